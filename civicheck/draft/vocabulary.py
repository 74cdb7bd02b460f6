"""The words drafting knows, Indonesian and English: speech verbs, titles, pronouns, units, function words.

Kept apart from the logic so a reporter (or a test) can read what the drafter recognises, and extend it.
"""

from __future__ import annotations

# Verbs that attribute a quotation when they follow it: `"…," kata X`, `"…," ujarnya`. Each also takes -nya
# ("katanya": he/she said), which refers back to a speaker named earlier.
ID_AFTER_VERBS = frozenset(
    """
kata ujar ungkap jelas tutur imbuh tambah terang sebut ucap tegas papar lanjut tukas sambung tandas pungkas
bongkar beber urai kilah seloroh kelakar cetus timpal sahut aku klaim tulis jawab tanya ajak pinta harap keluh
sindir canda celetuk bilang tutup tuding nilai akui paparkan terangnya
""".split()
)

# Verbs whose subject is the speaker: `X mengatakan, "…"`, `"…," X menambahkan`, and indirect speech.
ID_SPEECH_VERBS = frozenset(
    """
mengatakan menyatakan menjelaskan menuturkan mengungkapkan menegaskan menambahkan menyebutkan menerangkan
memaparkan melanjutkan berkata berujar bertutur bilang mengaku menulis menuliskan mencuit bertanya menjawab
menutup menyampaikan mengklaim mengimbau menilai mengungkap menyebut membeberkan mengingatkan berpesan
menyimpulkan menandaskan menukas menyambung menimpali menanggapi mengeluhkan mengutarakan mengucapkan
mencontohkan mengakui berharap meminta mengajak menyinggung menyindir berseloroh berkelakar
""".split()
)

# Passive forms: "Hal ini diungkapkan oleh X".
ID_PASSIVE_VERBS = frozenset(
    """
diungkapkan dikatakan disampaikan dijelaskan ditegaskan disebutkan diutarakan dituturkan dinyatakan
""".split()
)

EN_SPEECH_VERBS = frozenset(
    """
said says say told tells added adds explained explains noted wrote writes asked stated remarked emphasized
emphasised emphasizes affirmed recalled recalls insisted insists warned tweeted tweets posted argued argues
continued announced announces declared declares shouted shouts ordered quipped replied responded admitted admits
acknowledged acknowledges claimed conceded cautioned urged testified concluded observed suggested joked laughed
recounted described describing declaring saying adding telling writing explaining noting asking announcing
yelled yells screamed screams whispered cried exclaimed pleaded reiterated confirmed predicted promised vowed
boasted complained lamented mused countered agreed
""".split()
) | {"pointed out", "according to", "went on"}
# Present forms that are also plural nouns ("states", "claims", "notes", "orders") are left out on purpose:
# "in key states like Ohio" must not attribute anything.

# "he said", "katanya", "kata dia": the speaker is whoever was named before.
PRONOUNS = frozenset(
    """
he she they we i it him her them dia ia beliau mereka kami kita saya aku
""".split()
)

# Titles, ranks and honorifics that stand before a name ("Kepala Dinas X", "Gov. Kristi Noem", "AKBP Ferdiyan
# Fahmi"): never part of the name itself. Compared in lower case, without a final dot.
TITLES = frozenset(
    """
president vice gov governor sen senator rep representative secretary minister attorney general mayor chief
director spokesman spokeswoman spokesperson dr prof professor mr mrs ms miss judge justice officer sgt sergeant
lt lieutenant capt captain col colonel gen adm admiral commissioner chairman chairwoman chair ceo cfo coo cto
founder coach manager press prime foreign defense defence state u.s us uk white house deputy executive senior
head leader speaker ambassador police sheriff detective inspector pastor rev reverend sir dame lord lady
congressman congresswoman assemblyman councilman councilwoman member analyst economist scholar expert reporter
editor anchor host actor actress singer rapper producer premier chancellor dean principal superintendent
trooper corporal major pope imam rabbi bishop cardinal king queen prince princess emir sheikh
presiden wakil menteri menko gubernur bupati walikota wali kepala ketua sekretaris direktur dirut manajer kabid
kasi kasat kasubdit kapolres kapolda kapolri kapolsek kapolresta kajari kajati kakanwil kadis camat lurah kades
anggota juru bicara jubir dokter drs dra ir h hj kh ustaz ustadz pelatih penyerang gelandang kiper aktor aktris
penyanyi sutradara produser pengamat ahli staf pejabat komisaris kombes akbp akp iptu ipda aiptu brigjen irjen
komjen jenderal kolonel letkol kapten kopral letnan danrem dandim pangdam panglima hakim jaksa pengacara kuasa
hukum politisi politikus legislator pendiri pemilik humas kasubag kabag kapus plt plh pj sekda sekjen dirjen
deputi asisten koordinator ketum kakankemenag kakanwil kasubbag kabiro karo kapuspen kadispen bapak ibu pak bu
mas mbak kang teh bang kak om tante tb sang mantan eks calon pakar peneliti dosen rektor dekan guru kepsek umum
""".split()
)

# Words naming an organisation, office or place type: a name never runs through them ("Polres Lhokseumawe AKP
# Yasir": the name is "Yasir"). After PT/CV the next word is the company's name, not a person's.
ORGANISATIONS = frozenset(
    """
pt cv polres polresta polda polri polsek kejari kejati kejagung kementerian kemenag kemenkes
kemendagri dinas badan balai kantor pemerintah pemkot pemkab pemprov dprd dpr mpr kpk bpk universitas fakultas
rumah sakit rs bandara department ministry office agency university institute association council committee
company corporation group bank party partai kota kabupaten provinsi desa kecamatan kelurahan
divisi bidang seksi bagian sekolah yayasan lembaga komisi pengadilan mahkamah kodim korem kodam
bappeda bapenda bappenas disnaker disdukcapil dukcapil diskominfo kominfo dishub dinkes disdik satpol bpbd bawaslu
kpu kpud bpjs bumn bumd pemda setda bkd bpkad inspektorat kemenpan kemenkeu kemendikbud kemensos kemenaker
""".split()
)
COMPANY_PREFIXES = frozenset({"pt", "cv"})
# Words after which capitalised words name a place, not a person ("asal Korea Selatan", "dari Mataram").
PLACE_MARKERS = frozenset("asal dari of from in di ke".split())
# Words that end a company's name ("PT Astra Otoparts Tbk Yusak Kristian"): a name may follow them.
ORGANISATION_SUFFIXES = frozenset(
    {"tbk", "persero", "inc", "corp", "ltd", "llc", "plc", "co", "gmbh", "ag", "sa"}
)

# Capitalised words that are not names: days, months, and words that start sentences.
NOT_NAMES = frozenset(
    """
senin selasa rabu kamis jumat jum'at sabtu minggu monday tuesday wednesday thursday friday saturday sunday
januari februari pebruari maret april mei juni juli agustus september oktober november desember january
february march may june july august october december jan feb mar apr jun jul aug sep sept oct nov dec
the a an one another some many both his her their our my its this that these those but and or so yet also
then later earlier meanwhile however while when after before in on at for of with by from as if
pria wanita perempuan laki-laki salah satu para sang seorang kata menurut namun sementara tetangga sumber pihak
dia ia mereka kami saya aku kita anda beliau hal ini itu tersebut adapun bahkan selain dalam pada untuk dengan
oleh dari ke di yang juga lalu kemudian sebelumnya selanjutnya terkait soal bagi tak tidak bukan ada according
remember sometimes such still now today yesterday tomorrow here there even just perhaps maybe yes well thus
therefore instead indeed finally first second last next once since although though because unless despite
whether every each all most much more less several few other others everyone everybody someone somebody nobody
""".split()
)

# Words between a speaker and the verb that are not part of who spoke: "Noem later tweeted", "Dian pun menulis".
ADVERBS = frozenset(
    """
later also then further again had has have was is will would shortly earlier first pun juga lalu kemudian lagi
sempat tak tidak pernah memang bahkan hanya justru sudah telah masih pula sendiri itu once previously recently
""".split()
)

# Particles inside a name ("Zaid bin Harith", "Vincent van Gogh") and suffixes after it ("James Kennedy Jr.").
NAME_PARTICLES = frozenset("bin binti van von de der den da del al el la le dos das du ter ten".split())
NAME_SUFFIXES = frozenset("jr sr ii iii iv".split())

# Ends of a speaker phrase: `kata X di Jakarta`, `said X in a statement on Tuesday`.
SPEAKER_STOPS = frozenset(
    """
saat ketika di dalam kepada seperti usai seusai pada melalui dikutip via sambil dengan sebelum sesudah setelah
selepas tadi kemarin hari lagi when while in on at during after before to from via who which whose whom as
adding noting saying because since though although according
""".split()
)

# Words a number's subject is never: kept out when looking for what a number counts or measures.
FUNCTION_WORDS = frozenset(
    """
dan atau di ke dari pada untuk yang dengan oleh dalam sebesar sebanyak senilai seharga seluas sepanjang setinggi
sekitar hingga sampai mencapai lebih kurang dari itu ini tersebut sejak per setiap tiap hanya
sudah telah akan masih baru sekira kira-kira hampir nyaris ada adalah merupakan yakni yaitu ialah
the a an of in on at to for and or by from with about around roughly nearly almost some over under more than
less than as is are was were be been being its it that this these those since until till between
per each every only just approximately estimated some about
""".split()
)

# Words right after a number that are part of the amount itself: `Rp 1,2 miliar`, `15 persen`, `$4 million`.
MULTIPLIERS = frozenset(
    """
ribu juta miliar milyar triliun trilyun thousand million billion trillion k m bn
""".split()
)
PERCENT_WORDS = frozenset({"persen", "percent", "per cent", "%", "pct"})
CURRENCY_WORDS = frozenset(
    """
rp rp. idr usd us$ $ € £ ¥ eur gbp dolar dollar dollars lira euro euros pound pounds rupiah ringgit yen yuan
""".split()
)
# Words that classify a count before the noun it counts: `3.016 orang penumpang`, `90 butir amunisi`.
CLASSIFIERS = frozenset(
    """
orang buah unit ekor butir lembar batang biji kali new more other additional different major extra old
tahun bulan hari minggu jam menit detik years year months month days day weeks week hours hour minutes
""".split()
)

# A speaker title that makes a quotation worth checking first: officials and their spokespeople.
OFFICIAL_TITLES = frozenset(
    """
president governor gov mayor minister secretary senator sen rep representative attorney spokesman
spokeswoman spokesperson official commissioner director chief police sheriff judge ambassador premier
presiden gubernur bupati walikota wali menteri kepala ketua sekretaris direktur kapolres kapolda kapolri
kajari camat lurah jubir juru dirut kasat kasubdit kadis sekda dirjen plt pejabat hakim jaksa dprd
""".split()
)

MONTHS = frozenset(
    """
januari februari pebruari maret april mei juni juli agustus september oktober november desember january
february march may june july august october december jan feb mar apr jun jul aug sep sept oct nov dec
""".split()
)
WEEKDAYS = frozenset(
    """
senin selasa rabu kamis jumat sabtu minggu monday tuesday wednesday thursday friday saturday sunday
""".split()
)

# Abbreviations whose dot does not end a sentence ("Gov. Noem", "U.S. Attorney", "No. 20").
ABBREVIATIONS = frozenset(
    """
mr mrs ms dr prof gov sen rep st jr sr lt gen col capt sgt no nos inc corp co ltd vs etc jan feb mar apr jun
jul aug sep sept oct nov dec mt ft ave blvd rd dept est fig approx h hj ir drs dra kh tbk pt cv
""".split()
)
