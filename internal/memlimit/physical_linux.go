package memlimit

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Machine is the memory the process may use on this machine: the
// smaller of the cgroup's limit (a container's) and the RAM the kernel
// reports; 0 when neither can be read.
func Machine() int64 {
	var n int64
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 {
			n = v
		}
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return n
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil && kb > 0 {
				if total := kb << 10; n == 0 || total < n {
					n = total
				}
			}
			break
		}
	}
	return n
}
