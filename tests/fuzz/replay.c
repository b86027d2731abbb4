/*
 * Replays a fuzz target's kept inputs as a unit test: every file of
 * tests/fuzz/corpus/NAME/ (the seed corpus) and tests/fuzz/crashes/NAME/ (every input
 * that ever found a fault) goes through the target's LLVMFuzzerTestOneInput, whose
 * contract checks abort on a violation. Built with the normal compiler, without
 * libFuzzer, once plainly and once under ASan + UBSan (make test), so the inputs also
 * exercise the GCC vector kernels. Run from the repository root; FUZZ_NAME is set by
 * the Makefile. Extra command-line arguments replay those files instead.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_argc;
static char **replay_argv;
static size_t replayed;

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    replayed++;
}

static void replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return; /* a target without kept crashes has no directory */
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            replay_file(path);
    }
    closedir(d);
}

static void test_replay(void **state)
{
    (void)state;
    replayed = 0;
    if (replay_argc > 1) {
        for (int i = 1; i < replay_argc; i++)
            replay_file(replay_argv[i]);
        return;
    }
    replay_dir("tests/fuzz/corpus/" FUZZ_NAME);
    replay_dir("tests/fuzz/crashes/" FUZZ_NAME);
    /* An empty corpus would make this test vacuous. */
    assert_true(replayed > 0);
}

int main(int argc, char **argv)
{
    replay_argc = argc;
    replay_argv = argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay),
    };
    return cmocka_run_group_tests_name("fuzz_" FUZZ_NAME " replay", tests, NULL, NULL);
}
