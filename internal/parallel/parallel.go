// Package parallel runs independent pieces of work on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls f(i) for each i in [0, n) on as many goroutines as there are
// cores (GOMAXPROCS), handing out the next i to whichever is free, and
// returns once every call has. Each f(i) must touch only what is its
// own (the i-th result, say), so the results are those of a loop.
func For(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
