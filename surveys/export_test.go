package surveys

// CheckGolden lets the store tests (package surveys_test, which imports the indicator
// engine, itself an importer of this package) share the -update flag and goldens.
var CheckGolden = checkGolden
