/* Status codes, version and struct sizes. */
#include "internal.h"

const char *mgn_strerror(int status)
{
    switch (status) {
    case MGN_OK:      return "success";
    case MGN_EINVAL:  return "invalid argument (NaN/inf, out of domain, NULL pointer)";
    case MGN_ENOSOL:  return "no solution exists for these inputs";
    case MGN_ENOCONV: return "iteration did not converge";
    case MGN_ENOMEM:  return "out of memory or workspace too small";
    case MGN_ERANGE:  return "count, size or result out of range";
    case MGN_ESTALE:  return "price failed the oracle guards (stale, too few feeds or off band)";
    default:          return "unknown status";
    }
}

#define MGN_STR2(x) #x
#define MGN_STR(x) MGN_STR2(x)

const char *mgn_version(void)
{
    return MGN_STR(MGN_VERSION_MAJOR) "." MGN_STR(MGN_VERSION_MINOR) "." MGN_STR(MGN_VERSION_PATCH);
}

int mgn_version_number(void) { return MGN_VERSION_NUMBER; }

size_t mgn_sizeof_greeks(void) { return sizeof(mgn_greeks); }
