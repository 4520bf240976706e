package demo

// The built-in registry used when no registry folder is given: a made-up
// county in miniature that still has every case the real 2017 reform has,
// so that the attribution rules get exercised without the real files.
//
//   - twelve old units (0101–0112) merge on 2017-10-22 into four;
//   - 0103 Gamma vald is split between 0201 (70 %) and 0202 (30 %);
//   - 0104 Delta linn keeps its code and absorbs 0105 and 0106;
//   - 0203 Kapa vald is recoded to 0204 on 2019-07-01 (like Kiili and Saku);
//   - 0300 Suurlinn never changes and, like Tallinn, is a third of the people.
const (
	syntheticMunicipalities = `ehak_code,name,type,county_code,county_name,valid_from,valid_to,population
0101,Alfa vald,vald,0079,Tartu maakond,,2017-10-22,1200
0102,Beeta vald,vald,0079,Tartu maakond,,2017-10-22,800
0103,Gamma vald,vald,0079,Tartu maakond,,2017-10-22,600
0104,Delta linn,linn,0079,Tartu maakond,,,11200
0105,Epsilon vald,vald,0079,Tartu maakond,,2017-10-22,1500
0106,Zeeta vald,vald,0079,Tartu maakond,,2017-10-22,700
0107,Eeta vald,vald,0079,Tartu maakond,,2017-10-22,2000
0108,Teeta vald,vald,0079,Tartu maakond,,2017-10-22,1100
0109,Ioota vald,vald,0079,Tartu maakond,,2017-10-22,500
0110,Kapa vald,vald,0079,Tartu maakond,,2017-10-22,900
0111,Lambda vald,vald,0079,Tartu maakond,,2017-10-22,1300
0112,Müü vald,vald,0079,Tartu maakond,,2017-10-22,400
0201,Alfa-Beeta vald,vald,0079,Tartu maakond,2017-10-22,,2420
0202,Eeta-Teeta vald,vald,0079,Tartu maakond,2017-10-22,,3780
0203,Kapa vald,vald,0079,Tartu maakond,2017-10-22,2019-07-01,2600
0204,Kapa vald,vald,0079,Tartu maakond,2019-07-01,,2600
0300,Suurlinn,linn,0079,Tartu maakond,,,10000
`
	syntheticMergers = `old_ehak_code,new_ehak_code,effective_date,area_share
0101,0201,2017-10-22,1.0000
0102,0201,2017-10-22,1.0000
0103,0201,2017-10-22,0.7000
0103,0202,2017-10-22,0.3000
0105,0104,2017-10-22,1.0000
0106,0104,2017-10-22,1.0000
0107,0202,2017-10-22,1.0000
0108,0202,2017-10-22,1.0000
0109,0202,2017-10-22,1.0000
0110,0203,2017-10-22,1.0000
0111,0203,2017-10-22,1.0000
0112,0203,2017-10-22,1.0000
0203,0204,2019-07-01,1.0000
`
)

func syntheticRegistry() (*registry, error) {
	return parseRegistry([]byte(syntheticMunicipalities), []byte(syntheticMergers))
}
