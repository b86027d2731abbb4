/* Thread safety and thread-count invariance (CONVENTIONS.md: "Every function is
 * reentrant and safe to call from many threads at once on different data. Read-only
 * shared inputs may be shared freely"; "Deterministic: ... bit-identical outputs").
 *
 *   (a) every function that takes a thread count (mgn_account_sweep in cross and in
 *       portfolio mode, mgn_var_historical, mgn_var_montecarlo) gives bit-identical
 *       results with 1, 2 and 3 threads; the inputs are sized so that each call has
 *       more than one chunk of work (2 sweep chunks, 2 and 4 P&L chunks);
 *   (b) the run of tests/workload.h, which calls every public function (pricing,
 *       implied vol, American, scenario P&L, SPAN, PM, standard margin, VaR/ES,
 *       accounts, liquidation, sweep, cascade, ...; tests/test_api_coverage.sh keeps
 *       it complete) from 4 threads at once on the same read-only inputs gives,
 *       in every thread, exactly the bytes of the single-threaded run; once with the
 *       library's own threading off (thread count 1) and once on (2: threads that
 *       start threads).
 *
 * Built into `make test` (and the ASan build) and, with -fsanitize=thread, into
 * `make test-tsan`, which reports any data race.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include "workload.h"

static wl_fix FIX;

static int setup(void **state)
{
    (void)state;
    wl_fix_init(&FIX);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wl_fix_free(&FIX);
    return 0;
}

static void run_step(int (*fn)(const wl_fix *, int, wl_buf *), int threads, wl_buf *o)
{
    assert_int_equal(fn(&FIX, threads, o), MGN_OK);
}

/* (a) */
static void test_thread_count_invariance(void **state)
{
    (void)state;
    int (*fns[])(const wl_fix *, int, wl_buf *) = { wl_sweep, wl_var };
    const char *names[] = { "account sweep", "historical and Monte Carlo VaR" };
    for (size_t k = 0; k < 2; k++) {
        wl_buf one = { 0 };
        run_step(fns[k], 1, &one);
        for (int t = 2; t <= 3; t++) {
            wl_buf many = { 0 };
            run_step(fns[k], t, &many);
            assert_int_equal(one.n, many.n);
            if (memcmp(one.b, many.b, one.n) != 0) {
                print_error("%s: %d threads differ from 1 thread\n", names[k], t);
                fail();
            }
            wl_buf_free(&many);
        }
        wl_buf_free(&one);
    }
}

/* (b) */
#define N_CALLERS 4

typedef struct {
    int threads;          /* passed to the functions that take a thread count */
    int status;
    wl_buf out;
    pthread_barrier_t *start;
} caller;

static void *caller_main(void *arg)
{
    caller *c = (caller *)arg;
    pthread_barrier_wait(c->start);       /* all four begin together */
    c->status = wl_run_all(&FIX, c->threads, &c->out);
    return NULL;
}

static void concurrent(int threads)
{
    wl_buf ref = { 0 };
    assert_int_equal(wl_run_all(&FIX, 1, &ref), MGN_OK);
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, N_CALLERS), 0);
    caller c[N_CALLERS];
    pthread_t th[N_CALLERS];
    memset(c, 0, sizeof c);
    for (int i = 0; i < N_CALLERS; i++) {
        c[i].threads = threads;
        c[i].status = -1;
        c[i].start = &start;
        assert_int_equal(pthread_create(&th[i], NULL, caller_main, &c[i]), 0);
    }
    for (int i = 0; i < N_CALLERS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < N_CALLERS; i++) {
        assert_int_equal(c[i].status, MGN_OK);
        assert_int_equal(c[i].out.n, ref.n);
        if (memcmp(c[i].out.b, ref.b, ref.n) != 0) {
            /* name the first step whose output differs */
            wl_buf one = { 0 };
            size_t off = 0;
            for (size_t s = 0; s < WL_N_STEPS; s++) {
                WL_STEPS[s].fn(&FIX, 1, &one);
                if (memcmp(c[i].out.b + off, one.b, one.n) != 0) {
                    print_error("caller %d (library threads %d): '%s' differs from the single-threaded run\n",
                                i, threads, WL_STEPS[s].name);
                    break;
                }
                off += one.n;
                wl_buf_free(&one);
            }
            wl_buf_free(&one);
            fail();
        }
        wl_buf_free(&c[i].out);
    }
    wl_buf_free(&ref);
}

static void test_concurrent_callers(void **state)
{
    (void)state;
    concurrent(1);
}

static void test_concurrent_callers_threaded(void **state)
{
    (void)state;
    concurrent(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_count_invariance),
        cmocka_unit_test(test_concurrent_callers),
        cmocka_unit_test(test_concurrent_callers_threaded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
