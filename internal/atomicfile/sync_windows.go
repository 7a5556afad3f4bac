package atomicfile

// Windows cannot open a folder for FlushFileBuffers through os.Open, and
// NTFS journals its metadata: a completed rename is durable.
func syncDir(string) error { return nil }
