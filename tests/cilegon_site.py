"""The Cilegon pages a night finds on the test server (the news story, the labour agency, the app, the civil
registry's schedule) and the claims about them: the nightly, notification and HTML report tests share them.
"""

from __future__ import annotations

from pathlib import Path

from helpers import write


def page(title: str, *paragraphs: str) -> str:
    """A page with enough real text that no soft-404 signal fires on it."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><nav><a href='/'>Beranda</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>Pemerintah Kota Cilegon</footer></body></html>"
    )


NEWS = (
    "Pemerintah Kota Cilegon menetapkan Smart City sebagai program prioritas dalam RPJMD 2021-2026, kata Wali"
    " Kota dalam rapat paripurna di gedung DPRD pada Senin pagi.",
    "Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023, ujar Kepala Dinas Tenaga"
    " Kerja kepada wartawan.",
    "Menurut dia, sebanyak 29 layanan lain akan terhubung dengan portal kota tahun depan.",
)
AGENCY = (
    "Dinas Tenaga Kerja Kota Cilegon melayani pencari kerja, pelatihan kerja, dan perizinan tenaga kerja"
    " asing setiap hari kerja di kantor dinas.",
) * 3
APP = (
    "Aplikasi ketenagakerjaan Kota Cilegon: daftar lowongan kerja, pelatihan, dan kartu pencari kerja untuk"
    " warga yang mencari pekerjaan.",
) * 3


class Cilegon:
    """The city's pages on the test server, in the state a night finds them."""

    def __init__(self, site):
        self.site = site
        self.set()
        site.route("/dukcapil/jadwal", "Not Found", status=404, content_type="text/plain")

    def set(self, *, news: str = "original", disnaker: bool = False, app: bool = True) -> None:
        first = NEWS[0].replace("prioritas", "unggulan") if news == "edited" else NEWS[0]
        self.site.route("/berita/smart-city", page("Smart City Cilegon", first, *NEWS[1:]))
        if disnaker:
            self.site.route("/disnaker", page("Dinas Tenaga Kerja", *AGENCY))
        else:
            self.site.route(
                "/disnaker", "<html><title>Not Found</title><body>Not Found</body></html>", status=404
            )
        if app:
            self.site.route("/app", page("Layanan Ketenagakerjaan", *APP))
        else:
            self.site.route("/app", "<html><title>Gone</title><body>Gone</body></html>", status=410)

    def claims(self, path: str | Path = "claims.yaml") -> Path:
        u = self.site.url
        return write(
            path,
            f"""
            claims:
              - id: smart-city-priority
                claim: "Smart City is a priority program of the 2021-2026 RPJMD"
                said_by: {{name: "Wali Kota Cilegon", type: person}}
                said_on: 2023-06-15
                sources: [{u("/berita/smart-city")}]
                checks:
                  - contains: {{url: {u("/berita/smart-city")}, all: ["program prioritas"]}}
              - id: disnaker-link
                claim: "The portal's link to the labour agency works"
                said_by: {{name: "Pemerintah Kota Cilegon", type: organization}}
                expect: refuted
                checks:
                  - live: {u("/disnaker")}
              - id: labour-app-live
                claim: "The labour-services app is live"
                said_by: "Kepala Dinas Tenaga Kerja"
                checks:
                  - live: {u("/app")}
              - id: dukcapil-schedule
                claim: "The civil registry publishes its schedule"
                expect: unverified
                checks:
                  - contains: {{url: {u("/dukcapil/jadwal")}, all: ["jadwal"]}}
            """,
        )
