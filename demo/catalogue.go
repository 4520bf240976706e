package demo

// The services a municipality may offer, with the system that runs each.
// Codes are the demo's own; names are the usual Estonian ones.
var servicePool = []struct{ code, name, system string }{
	{"S001", "Sünnitoetuse taotlus", "STAR"},
	{"S002", "Toimetulekutoetuse taotlus", "STAR"},
	{"S003", "Hooldajatoetuse taotlus", "STAR"},
	{"S004", "Koolitoetuse taotlus", "STAR"},
	{"S005", "Matusetoetuse taotlus", "STAR"},
	{"S006", "Eluruumi kohandamise toetuse taotlus", "STAR"},
	{"S007", "Isikliku abistaja teenuse taotlus", "STAR"},
	{"S008", "Sotsiaaltransporditeenuse taotlus", "STAR"},
	{"S009", "Ehitusloa taotlus", "EHR"},
	{"S010", "Kasutusloa taotlus", "EHR"},
	{"S011", "Ehitusteatis", "EHR"},
	{"S012", "Projekteerimistingimuste taotlus", "EHR"},
	{"S013", "Kasutusteatis", "EHR"},
	{"S014", "Lammutusteatis", "EHR"},
	{"S015", "Lasteaiakoha taotlus", "KOVMEN"},
	{"S016", "Koolikoha taotlus", "KOVMEN"},
	{"S017", "Huvitegevuse toetuse taotlus", "KOVMEN"},
	{"S018", "Avaliku ürituse loa taotlus", "KOVMEN"},
	{"S019", "Tänavakaubanduse loa taotlus", "KOVMEN"},
	{"S020", "Reklaamiloa taotlus", "KOVMEN"},
	{"S021", "Parkimisloa taotlus", "KOVMEN"},
	{"S022", "Jäätmeveost vabastamise taotlus", "KOVMEN"},
	{"S023", "Kaevetööde loa taotlus", "KOVMEN"},
	{"S024", "Raieloa taotlus", "KOVMEN"},
	{"S025", "Koera registreerimine", "KOVMEN"},
	{"S026", "Kalmistu hauaplatsi kasutusõiguse taotlus", "KOVMEN"},
	{"S027", "Sõidusoodustuse taotlus", "KOVMEN"},
	{"S028", "Spordiklubi tegevustoetuse taotlus", "KOVMEN"},
	{"S029", "Kultuuriprojekti toetuse taotlus", "KOVMEN"},
	{"S030", "Küttepuude toetuse taotlus", "KOVMEN"},
	{"S031", "Volikogu eelnõude ja istungite info", "VOLIS"},
	{"S032", "Arvamuse avaldamine eelnõu kohta", "VOLIS"},
	{"S033", "Volikogu istungi ülekanne", "VOLIS"},
	{"S034", "Küsimus volikogu liikmele", "VOLIS"},
	{"S035", "Detailplaneeringu algatamise taotlus", "RPIS"},
	{"S036", "Planeeringu avalik väljapanek", "RPIS"},
	{"S037", "Planeeringu kohta ettepaneku esitamine", "RPIS"},
	{"S038", "Aadressi määramise taotlus", "RPIS"},
	{"S039", "Maa sihtotstarbe määramine", "RPIS"},
	{"S040", "Teabenõue", "DHS"},
	{"S041", "Selgitustaotlus", "DHS"},
	{"S042", "Märgukiri", "DHS"},
	{"S043", "Dokumendiregistri päring", "DHS"},
	{"S044", "Elukoha registreerimine", "KOVTP"},
	{"S045", "Kontaktandmete päring", "KOVTP"},
	{"S046", "Valla lehe tellimine", "KOVTP"},
	{"S047", "Teadete tellimine", "KOVTP"},
	{"S048", "Vallavara rendile võtmise taotlus", "KOVTP"},
	{"S049", "Ruumide broneerimine", "KOVTP"},
	{"S050", "Vabaühenduse registreerimine", "KOVTP"},
	{"S051", "Maamaksu soodustuse taotlus", "SKAIS"},
	{"S052", "Hooldekodu koha taotlus", "SKAIS"},
	{"S053", "Puudega lapse toetuse taotlus", "SKAIS"},
	{"S054", "Sotsiaalkorteri taotlus", "SKAIS"},
	{"S055", "Ühistranspordi sõiduplaani päring", "OTHER"},
	{"S056", "Teeremondi teatamine", "OTHER"},
	{"S057", "Tänavavalgustuse rikkest teatamine", "OTHER"},
	{"S058", "Heakorra probleemist teatamine", "OTHER"},
	{"S059", "Noortekeskuse üritusele registreerimine", "OTHER"},
	{"S060", "Raamatukogu lugejaks registreerimine", "OTHER"},
}

// Systems of the contract with their share of usage events.
var (
	systems       = []string{"KOVTP", "VOLIS", "RPIS", "KOVMEN", "STAR", "SKAIS", "EHR", "DHS", "OTHER"}
	systemWeights = cumulative([]float64{0.28, 0.07, 0.06, 0.20, 0.13, 0.05, 0.10, 0.08, 0.03})
	// How each system exports timestamps: exports are consistent per
	// system, the data set as a whole mixes every accepted form.
	systemTimeStyle = []timeStyle{styleLocal, styleOffset, styleLocal, styleOffset, styleUTC, styleOffset, styleLocal, styleUTC, styleLocal}
	// the central KOV IT solutions whose feedback feeds I.1
	centralSystems = map[string]bool{"KOVTP": true, "VOLIS": true, "RPIS": true, "KOVMEN": true}
	// service indexes of servicePool per system, in pool order
	servicesBySystem = func() [][]int {
		out := make([][]int, len(systems))
		for i, s := range servicePool {
			for k, name := range systems {
				if s.system == name {
					out[k] = append(out[k], i)
				}
			}
		}
		return out
	}()
)

var (
	positiveComments = []string{
		"Väga mugav, sain kiiresti hakkama.",
		"Kõik toimis, aitäh!",
		"Selge ja lihtne vorm.",
		"Vastus tuli ootamatult kiiresti.",
		"Hea, et ei pidanud vallamajja minema.",
		"Mugav, aga võiks ka mobiilis paremini töötada.",
	}
	negativeComments = []string{
		"Vorm jäi poole pealt kinni.",
		"Ei leidnud, kuhu lisada manust.",
		"Liiga palju välju, mille andmed on riigil niigi olemas.",
		"Sisselogimine ID-kaardiga ebaõnnestus.",
		"Ei saanud aru, kas taotlus jõudis kohale.",
		"Lehekülg oli väga aeglane, \"salvesta\" nupp ei töötanud.",
		"Eelistan siiski paberil, e-vorm on segane.",
	}
	goalDescriptions = []string{
		"Valdade veebilehed viia ühtsele KOVTP platvormile",
		"Liitunud omavalitsuste dokumendihaldus ühtlustada",
		"Volikogu istungid avalikustada VOLIS-es",
		"Koolitada KOV IT-juhte ISKE rakendamiseks",
		"Luua KOV IKT kompetentsikeskus",
		"Kirjeldada e-teenused ühtse kvaliteedistandardi järgi",
		"Võtta kasutusele KOVMEN e-vormid toetuste taotlemiseks",
		"Koostada KOV infovarade registri põhi",
		"Korraldada ühishange arvutitöökohtadele",
		"Ühtlustada liitunud valdade kohtvõrgud",
		"Käivitada varundamine pilveteenusesse",
		"Avaldada teenuste kataloog iseteeninduskeskkonnas",
		"Kaardistada KOV-ide infosüsteemid",
		"Juurutada X-tee andmevahetus sotsiaalvaldkonnas",
		"Viia läbi iga-aastane KOV IKT uuring",
		"Koostada IKT turvapoliitika näidisdokument",
	}
)
