package runtime

// TestdataWasm returns the path of the module the tests built from
// testdata/<name>.wat (for the external example).
func TestdataWasm(name string) string { return wasmFile(name) }
