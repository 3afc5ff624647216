// Package sdk writes Apache Iggy connectors in Go as WebAssembly components
// implementing the iggy:connector@0.1.0 contract (the repository's wit/).
//
// A sink implements [Sink] and registers its opener with [ExportSink] from an
// init function of package main; a source does the same with [Source] and
// [ExportSource]. Batches cross the boundary flat (wit/README.md, "Flat
// batch"): [Messages] reads them in place and [BatchBuilder] writes them.
//
// The package has no dependency on generated bindings: the build adds a small
// glue package (sdk/_glue/, see docs/guests-go.md) that connects the
// bindings wit-bindgen generates to the functions in glue.go.
package sdk
