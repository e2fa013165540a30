/* A command's rows (cli.h): its getopt_long table, its --help, and each
 * option's value into its field. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* More than any command has; the tables are built on the stack. */
enum { MAX_OPTIONS = 64, MAX_ROWS = 96 };

/* A command's rows with its includes spread out in their places, each
 * with the offset of its field in the context. */
typedef struct {
    const CliOption *row;
    size_t offset;
} Row;

typedef struct {
    Row rows[MAX_ROWS];
    int count;
} Rows;

static bool is_end(const CliOption *o)
{
    return !o->name && !o->help && !o->include;
}

static bool spread(const CliOption *table, size_t offset, Rows *out)
{
    for (const CliOption *o = table; !is_end(o); o++) {
        if (o->include) {
            if (!spread(o->include, offset + o->offset, out)) return false;
            continue;
        }
        if (out->count == MAX_ROWS) {
            cli_error("a command of more than %d rows", MAX_ROWS);
            return false;
        }
        out->rows[out->count++] = (Row){o, offset + o->offset};
    }
    return true;
}

/* What getopt_long returns for the option of row i. */
static int row_value(const Rows *rows, int i)
{
    const char letter = rows->rows[i].row->letter;
    return letter ? letter : CLI_ROW_OPTION + i;
}

static const Row *find_row(const Rows *rows, int value)
{
    for (int i = 0; i < rows->count; i++)
        if (rows->rows[i].row->name && row_value(rows, i) == value) return &rows->rows[i];
    return NULL;
}

/* getopt_long's table and short options for the rows, --help and
 * --version added. */
static bool getopt_tables(const Rows *rows, struct option *longs, char *shorts)
{
    size_t n = 0, n_shorts = 0;
    shorts[n_shorts++] = CLI_OPTION_HELP;
    for (int i = 0; i < rows->count; i++) {
        const CliOption *o = rows->rows[i].row;
        if (!o->name) continue;
        if (n == MAX_OPTIONS) {
            cli_error("a command of more than %d options", MAX_OPTIONS);
            return false;
        }
        const int value = row_value(rows, i);
        longs[n++] =
            (struct option){o->name, o->arg ? required_argument : no_argument, NULL, value};
        if (o->letter) {
            shorts[n_shorts++] = o->letter;
            if (o->arg) shorts[n_shorts++] = ':';
        }
    }
    shorts[n_shorts] = '\0';
    longs[n++] = (struct option){"help", no_argument, NULL, CLI_OPTION_HELP};
    longs[n++] = (struct option){"version", no_argument, NULL, CLI_OPTION_VERSION};
    longs[n] = (struct option){NULL, 0, NULL, 0};
    return true;
}

/* Appends to a help line's left part, which is cut where it would overflow. */
static void append(char *line, size_t size, size_t *used, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *line, size_t size, size_t *used, const char *format, ...)
{
    if (*used >= size) return;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line + *used, size - *used, format, args);
    va_end(args);
    if (n > 0) *used += (size_t)n;
}

int cli_help_column(const CliOption *table)
{
    while (!is_end(table))
        table++;
    return table->column;
}

void cli_print_help(const CliOption *table, FILE *out)
{
    Rows rows = {.count = 0};
    if (!spread(table, 0, &rows)) return;
    const int column = cli_help_column(table);
    char left[256];
    size_t used = 0;
    for (int i = 0; i < rows.count; i++) {
        const CliOption *o = rows.rows[i].row;
        if (!o->name) {
            fputs(o->help, out);
            continue;
        }
        if (!o->help || column <= 0) continue;
        append(left, sizeof left, &used, "%s", used ? ", " : "  ");
        if (o->letter) append(left, sizeof left, &used, "-%c, ", o->letter);
        append(left, sizeof left, &used, "--%s%s%s", o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
        if (!o->help[0]) continue; /* CLI_SAME_LINE */
        int width = (int)strlen(left);
        fprintf(out, "%s%*s", left, width + 2 > column ? 2 : column - width, "");
        for (const char *p = o->help; *p; p++) {
            fputc(*p, out);
            if (*p == '\n') fprintf(out, "%*s", column, "");
        }
        fputc('\n', out);
        used = 0;
    }
}

bool cli_list_add(CliList *list, const char *text)
{
    const char **items = realloc(list->items, ((size_t)list->count + 1) * sizeof *items);
    if (!items) {
        cli_error("out of memory");
        return false;
    }
    items[list->count++] = text;
    list->items = items;
    return true;
}

/* One option's text into its field; false after a usage error. */
static bool keep(const Row *row, const char *text, void *context)
{
    const CliOption *o = row->row;
    void *field = (char *)context + row->offset;
    char option[80];
    snprintf(option, sizeof option, "--%s", o->name);
    long number;
    switch (o->keep) {
    case CLI_KEEP_TEXT:
        *(const char **)field = text;
        return true;
    case CLI_KEEP_LIST:
        return cli_list_add(field, text);
    case CLI_SET_BOOL:
        *(bool *)field = true;
        return true;
    case CLI_SET_INT:
        *(int *)field = 1;
        return true;
    case CLI_KEEP_INT:
        if (!cli_int_option(option, text, (long)o->lo, (long)o->hi, &number)) return false;
        *(int *)field = (int)number;
        return true;
    case CLI_KEEP_LONG:
        return cli_int_option(option, text, (long)o->lo, (long)o->hi, field);
    case CLI_KEEP_DOUBLE:
        return cli_double_option(option, text, o->lo, o->hi, field);
    case CLI_KEEP_PARSED:
        return o->parse(option, text, field);
    }
    return false;
}

/* Whether the option's value's name says it takes several values. */
static bool takes_several(const CliOption *o)
{
    const size_t length = o->arg ? strlen(o->arg) : 0;
    return length >= 3 && !strcmp(o->arg + length - 3, "...");
}

int cli_parse_options(int argc, char **argv, const CliOption *table, void *context)
{
    Rows rows = {.count = 0};
    struct option longs[MAX_OPTIONS + 3];
    char shorts[2 * MAX_OPTIONS + 2];
    if (!spread(table, 0, &rows) || !getopt_tables(&rows, longs, shorts)) return CLI_USAGE;
    cli_getopt_begin();
    int c;
    while ((c = cli_getopt(argc, argv, shorts, longs)) != -1) {
        if (c == CLI_OPTION_HELP) {
            cli_print_help(table, stdout);
            return CLI_ANSWERED;
        }
        if (c == CLI_OPTION_VERSION) {
            cli_print_version();
            return CLI_ANSWERED;
        }
        const Row *row = c == '?' ? NULL : find_row(&rows, c);
        if (!row || !keep(row, optarg, context)) return CLI_USAGE;
        if (!takes_several(row->row)) continue;
        while (optind < argc && argv[optind][0] != '-')
            if (!keep(row, argv[optind++], context)) return CLI_USAGE;
    }
    return CLI_SUCCESS;
}

bool cli_read_command_line(int argc, char **argv, const CliOption *table, void *context,
                           int *status)
{
    const int parsed = cli_parse_options(argc, argv, table, context);
    *status = parsed == CLI_ANSWERED ? CLI_SUCCESS : parsed;
    if (parsed == CLI_SUCCESS && cli_no_operands(argc, argv)) *status = CLI_USAGE;
    return parsed == CLI_SUCCESS && *status == CLI_SUCCESS;
}
