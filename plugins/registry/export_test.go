package registry

// CachedPrepared exposes the prepared-cache check to the external tests.
func CachedPrepared(r *Registry, id ModuleID) bool { return r.cachedPrepared(id) }
