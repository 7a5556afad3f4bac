package cli

import (
	"path/filepath"
	"runtime"
)

// cacheDirEnv names the folder where plan keeps what it found unchanged
// (internal/plancache); "off" keeps nothing.
const cacheDirEnv = "MOBPLAN_CACHE_DIR"

// cacheDir is $MOBPLAN_CACHE_DIR, else mobplan/ in the user's cache
// folder as os.UserCacheDir finds it, read from the run's environment
// rather than the process's; "" when there is none or it is "off".
func cacheDir(env Env) string {
	switch v := env.getenv(cacheDirEnv); v {
	case "off":
		return ""
	case "":
	default:
		// Made absolute now, so a later change of folder keeps the cache.
		abs, err := filepath.Abs(v)
		if err != nil {
			return ""
		}
		return abs
	}
	var base string
	switch runtime.GOOS {
	case "windows":
		base = env.getenv("LocalAppData")
	case "darwin", "ios":
		if home := env.getenv("HOME"); home != "" {
			base = filepath.Join(home, "Library", "Caches")
		}
	default:
		base = env.getenv("XDG_CACHE_HOME")
		if !filepath.IsAbs(base) {
			base = ""
			if home := env.getenv("HOME"); home != "" {
				base = filepath.Join(home, ".cache")
			}
		}
	}
	if !filepath.IsAbs(base) {
		return ""
	}
	return filepath.Join(base, "mobplan")
}
