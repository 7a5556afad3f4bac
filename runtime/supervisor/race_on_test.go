//go:build race

package supervisor

// raceDetector: this test binary runs under the race detector.
const raceDetector = true
