// The shared library test-programs/dlopen-tls loads: a __thread array, whose
// block glibc allocates on first access (dynamic TLS of a dlopen'ed object).
static __thread char big[4096];

char *tls_touch(void);
char *tls_touch(void)
{
	big[0] = 1;
	return big;
}
