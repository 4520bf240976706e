package demo

import (
	"strings"
	"testing"
)

// TestRegistryFilesReadByColumnName: the reference files are read by their columns'
// names, whatever their order, with an area share of 1 when the column is absent or
// empty; a missing column, a number that is not one and a bad date are errors
// naming the file, line and column.
func TestRegistryFilesReadByColumnName(t *testing.T) {
	munis := "\ufeffname,valid_to,ehak_code,valid_from,population\n Tallinn ,,784,2017-10-22,437000\nRae vald,2017-10-21,0653,,\n"
	mergs := "new_ehak_code,old_ehak_code,effective_date,area_share\n0784,0653,2017-10-22,0.25\n0784,0001,2017-10-22,\n"
	reg, err := parseRegistry([]byte(munis), []byte(mergs))
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.units) != 2 || reg.units[0].code != "0653" || reg.units[1].code != "0784" {
		t.Fatalf("units %+v", reg.units)
	}
	tallinn, rae := reg.units[1], reg.units[0]
	if tallinn.name != "Tallinn" || tallinn.population != 437000 || tallinn.to != farFuture || tallinn.from != dayOf(2017, 10, 22) {
		t.Errorf("Tallinn %+v", tallinn)
	}
	if rae.from != farPast || rae.to != dayOf(2017, 10, 21) || rae.population != 0 {
		t.Errorf("Rae %+v", rae)
	}
	if len(reg.mergers) != 2 || reg.mergers[0].oldCode != "0001" || reg.mergers[0].share != 1 || reg.mergers[1].share != 0.25 {
		t.Errorf("mergers %+v", reg.mergers)
	}
	noShare, err := parseRegistry([]byte(munis), []byte("old_ehak_code,new_ehak_code,effective_date\n0653,0784,2017-10-22\n"))
	if err != nil || noShare.mergers[0].share != 1 {
		t.Errorf("without area_share: %+v, %v", noShare, err)
	}

	for _, c := range []struct{ munis, mergs, want string }{
		{"ehak_code,name,valid_from\n0784,Tallinn,\n", mergs, `municipalities.csv: missing column "valid_to"`},
		{"ehak_code,name,valid_from,valid_to,population\n0784,Tallinn,,,12.7\n", mergs, `municipalities.csv line 2: population: "12.7" is not a whole number`},
		{"ehak_code,name,valid_from,valid_to\n0784,Tallinn,,\n0653,Rae,22.10.2017,\n", mergs, `municipalities.csv line 3: valid_from`},
		{munis, "old_ehak_code,new_ehak_code,effective_date,area_share\n0653,0784,2017-10-22,0x1\n", `mergers.csv line 2: area_share: "0x1" is not a number`},
	} {
		_, err := parseRegistry([]byte(c.munis), []byte(c.mergs))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if _, err := parsePopulation([]byte("ehak_code,year,population\n0784,2018,\n")); err == nil ||
		!strings.Contains(err.Error(), `population.csv line 2: population: "" is not a whole number`) {
		t.Errorf("empty population: %v", err)
	}
	pop, err := parsePopulation([]byte("year,population,ehak_code\n2018,437000,784\n"))
	if err != nil || pop["0784"][2018] != 437000 {
		t.Errorf("population %v, %v", pop, err)
	}
}
