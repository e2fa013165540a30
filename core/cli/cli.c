/* The command-line conventions of cli.h. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "cantus";

void cli_set_program(const char *name)
{
    program = name;
}

const char *cli_program(void)
{
    return program;
}

const char *cli_version(void)
{
    return CANTUS_VERSION;
}

void cli_print_version(void)
{
    printf("%.*s %s\n", (int)strcspn(program, " "), program, CANTUS_VERSION);
}

/* One fprintf per line, so that lines of two processes sharing a terminal
 * do not interleave mid-line. */
static void report(bool hint, const char *format, va_list args)
{
    char text[1024];
    vsnprintf(text, sizeof text, format, args);
    if (hint)
        fprintf(stderr, "%s: %s (see %s --help)\n", program, text, program);
    else
        fprintf(stderr, "%s: %s\n", program, text);
}

void cli_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(false, format, args);
    va_end(args);
}

int cli_usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(true, format, args);
    va_end(args);
    return CLI_USAGE;
}

void cli_getopt_begin(void)
{
    optind = 0; /* glibc: 0 starts over, its permutation state included */
}

/* The long options whose names start with the `len` characters of `name`. */
static int count_prefixed(const struct option *longs, const char *name, size_t len, char *list,
                          size_t list_size)
{
    int count = 0;
    size_t used = 0;
    list[0] = '\0';
    for (const struct option *o = longs; o->name; o++) {
        if (strncmp(o->name, name, len) != 0) continue;
        if (used < list_size)
            used += (size_t)snprintf(list + used, list_size - used, "%s--%s", count ? ", " : "",
                                     o->name);
        count++;
    }
    return count;
}

static const struct option *find_long(const struct option *longs, const char *name, size_t len)
{
    for (const struct option *o = longs; o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len)) return o;
    return NULL;
}

/* getopt said '?': an unknown, ambiguous or misused option. */
static void report_bad_option(char **argv, const struct option *longs)
{
    const char *word = optind > 0 ? argv[optind - 1] : "";
    const bool long_word = !strncmp(word, "--", 2);
    if (long_word) {
        const char *name = word + 2;
        size_t len = strcspn(name, "=");
        char list[256];
        const struct option *exact = find_long(longs, name, len);
        if (name[len] == '=' && exact && exact->has_arg == no_argument) {
            cli_usage_error("--%s: takes no value", exact->name);
            return;
        }
        if (name[len] == '=' || optopt == 0) {
            if (count_prefixed(longs, name, len, list, sizeof list) > 1)
                cli_usage_error("--%.*s: ambiguous option (%s)", (int)len, name, list);
            else
                cli_usage_error("--%.*s: unknown option", (int)len, name);
            return;
        }
    }
    if (optopt > 0 && optopt < 128)
        cli_usage_error("-%c: unknown option", optopt);
    else
        cli_usage_error("%s: unknown option", word);
}

int cli_getopt(int argc, char **argv, const char *shorts, const struct option *longs)
{
    char spec[128];
    snprintf(spec, sizeof spec, ":%s", shorts); /* ':' first: a missing value returns ':' */
    opterr = 0;
    int c = getopt_long(argc, argv, spec, longs, NULL);
    if (c == '?') {
        report_bad_option(argv, longs);
        return '?';
    }
    if (c == ':') {
        const char *word = argv[optind - 1];
        if (!strncmp(word, "--", 2))
            cli_usage_error("%.*s: needs a value", (int)strcspn(word, "="), word);
        else
            cli_usage_error("-%c: needs a value", optopt);
        return '?';
    }
    /* A value of its own word that looks like the next option: the value
     * was forgotten ("--model --beats 8"). */
    if (c != -1 && optarg && optind >= 2 && optarg == argv[optind - 1] &&
        !strncmp(optarg, "--", 2) && optarg[2]) {
        cli_usage_error("%s: needs a value, not the option %s", argv[optind - 2], optarg);
        return '?';
    }
    return c;
}

int cli_no_operands(int argc, char **argv)
{
    if (optind < argc) return cli_usage_error("%s: unexpected argument", argv[optind]);
    return CLI_SUCCESS;
}

bool cli_parse_int(const char *text, long lo, long hi, long *value)
{
    if (!text || !*text) return false;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *value = v;
    return true;
}

bool cli_parse_double(const char *text, double lo, double hi, double *value)
{
    if (!text || !*text) return false;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi) return false;
    *value = v;
    return true;
}

int cli_bad_value(const char *option, const char *value, const char *want)
{
    return cli_usage_error("%s %s: %s", option, value, want);
}

/* The usage error for a value that is no number in its range; false. */
static bool refuse(const char *option, const char *text, const char *want_format, ...)
    __attribute__((format(printf, 3, 4)));
static bool refuse(const char *option, const char *text, const char *want_format, ...)
{
    char want[96];
    va_list args;
    va_start(args, want_format);
    vsnprintf(want, sizeof want, want_format, args);
    va_end(args);
    cli_bad_value(option, text, want);
    return false;
}

bool cli_int_option(const char *option, const char *text, long lo, long hi, long *value)
{
    return cli_parse_int(text, lo, hi, value) ||
           refuse(option, text, "wants a whole number in %ld..%ld", lo, hi);
}

bool cli_double_option(const char *option, const char *text, double lo, double hi, double *value)
{
    return cli_parse_double(text, lo, hi, value) ||
           refuse(option, text, "wants a number in %g..%g", lo, hi);
}

bool cli_meter_option(const char *option, const char *text, int *beats, int *unit)
{
    int n, d;
    char end;
    if (sscanf(text, "%d/%d%c", &n, &d, &end) == 2 && n >= 1 && n <= 64 && d >= 1 && d <= 64 &&
        !(d & (d - 1))) {
        *beats = n;
        *unit = d;
        return true;
    }
    cli_bad_value(option, text, "wants N/D: 1..64 beats of a 1, 2, 4 ... 64th note");
    return false;
}
