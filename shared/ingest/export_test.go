package ingest

// SetChunkBytes sets how much of a JSON export is read at a time, for a test, and returns
// what restores it.
func SetChunkBytes(n int) (restore func()) {
	old := chunkBytes
	chunkBytes = n
	return func() { chunkBytes = old }
}

// TextReader is for the test that the streamed text is the text read whole.
var TextReader = textReader
