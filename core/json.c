/* A strict JSON reader for safetensors headers, and the string escaping of
 * the writer (json.h says what is accepted and why).
 *
 * Recursive descent, run twice over the same text: the first pass checks
 * everything and counts nodes and string bytes, the second fills one block of
 * exactly that size (it cannot fail: the text is the same). Duplicate keys
 * are found afterwards by sorting each object's keys. Every read is bounded
 * by the text's length; nesting is bounded by CANTUS_JSON_MAX_DEPTH, so the
 * recursion is too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct {
    const unsigned char *s;
    size_t len, pos;
    CantusJsonNode *nodes; /* NULL in the counting pass */
    char *strings;
    uint32_t n_nodes;
    size_t n_string_bytes;
    uint32_t max_members; /* of any one object, for the duplicate check */
    int depth;
    CantusJsonError *err;
} Parser;

static int fail_at(Parser *p, size_t pos, const char *fmt, ...)
{
    if (p->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->text, sizeof p->err->text, fmt, ap);
        va_end(ap);
        p->err->pos = pos;
    }
    return -1;
}

/* "unexpected 'x'", "unexpected byte 0xc3" or "unexpected end of the text". */
static int unexpected(Parser *p, const char *wanted)
{
    if (p->pos >= p->len)
        return fail_at(p, p->pos, "unexpected end of the text, expected %s", wanted);
    unsigned char c = p->s[p->pos];
    if (c >= 0x21 && c < 0x7f) return fail_at(p, p->pos, "unexpected '%c', expected %s", c, wanted);
    return fail_at(p, p->pos, "unexpected byte 0x%02x, expected %s", c, wanted);
}

static void skip_space(Parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int new_node(Parser *p, CantusJsonType type, size_t pos)
{
    uint32_t i = p->n_nodes++;
    if (p->nodes) {
        CantusJsonNode *n = &p->nodes[i];
        memset(n, 0, sizeof *n);
        n->type = (uint32_t)type;
        n->pos = (uint32_t)pos;
    }
    return (int)i;
}

static void link_sibling(Parser *p, int previous, int node)
{
    if (p->nodes && previous >= 0) p->nodes[previous].next = (uint32_t)node;
}

static void emit(Parser *p, unsigned char c)
{
    if (p->strings) p->strings[p->n_string_bytes] = (char)c;
    p->n_string_bytes++;
}

size_t cantus_json_utf8_length(const unsigned char *s, size_t n)
{
    if (n == 0) return 0;
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0) lo = 0xa0; /* no overlong forms */
        if (c == 0xed) hi = 0x9f; /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0) lo = 0x90; /* no overlong forms */
        if (c == 0xf4) hi = 0x8f; /* nothing past U+10FFFF */
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return need;
}

static int hex4(Parser *p, size_t at, unsigned *out)
{
    if (p->len - at < 4) return -1;
    unsigned v = 0;
    for (size_t i = at; i < at + 4; i++) {
        unsigned char c = p->s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10u;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10u;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static void emit_code_point(Parser *p, unsigned cp)
{
    if (cp < 0x80) {
        emit(p, (unsigned char)cp);
    } else if (cp < 0x800) {
        emit(p, (unsigned char)(0xc0 | cp >> 6));
        emit(p, (unsigned char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        emit(p, (unsigned char)(0xe0 | cp >> 12));
        emit(p, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
        emit(p, (unsigned char)(0x80 | (cp & 0x3f)));
    } else {
        emit(p, (unsigned char)(0xf0 | cp >> 18));
        emit(p, (unsigned char)(0x80 | (cp >> 12 & 0x3f)));
        emit(p, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
        emit(p, (unsigned char)(0x80 | (cp & 0x3f)));
    }
}

/* A \uXXXX escape (p->pos at the 'u'), with the low half of a surrogate pair
 * when the first is a high half. */
static int unicode_escape(Parser *p, size_t backslash)
{
    unsigned cp;
    if (hex4(p, p->pos + 1, &cp) != 0)
        return fail_at(p, backslash, "\\u not followed by four hex digits");
    p->pos += 5;
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return fail_at(p, backslash, "unpaired surrogate \\u%04X in a string", cp);
    if (cp >= 0xd800 && cp <= 0xdbff) {
        unsigned low;
        if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
            hex4(p, p->pos + 2, &low) != 0 || low < 0xdc00 || low > 0xdfff)
            return fail_at(p, backslash, "unpaired surrogate \\u%04X in a string", cp);
        p->pos += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    if (cp == 0) return fail_at(p, backslash, "\\u0000 in a string (names are C strings)");
    emit_code_point(p, cp);
    return 0;
}

/* p->pos at the opening quote. */
static int parse_string(Parser *p)
{
    size_t start = p->pos++;
    int node = new_node(p, CANTUS_JSON_STRING, start);
    size_t first = p->n_string_bytes;
    for (;;) {
        if (p->pos >= p->len) return fail_at(p, start, "a string that is never closed");
        unsigned char c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20)
            return fail_at(p, p->pos, "control character 0x%02x inside a string (not escaped)", c);
        if (c == '\\') {
            size_t backslash = p->pos++;
            if (p->pos >= p->len) return fail_at(p, start, "a string that is never closed");
            unsigned char e = p->s[p->pos];
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *hit = e ? strchr(from, e) : NULL;
            if (hit) {
                emit(p, (unsigned char)to[hit - from]);
                p->pos++;
            } else if (e == 'u') {
                if (unicode_escape(p, backslash) != 0) return -1;
            } else if (e >= 0x21 && e < 0x7f) {
                return fail_at(p, backslash, "invalid escape '\\%c' in a string", e);
            } else {
                return fail_at(p, backslash, "invalid escape (a backslash and byte 0x%02x)", e);
            }
            continue;
        }
        size_t n = cantus_json_utf8_length(p->s + p->pos, p->len - p->pos);
        if (n == 0) return fail_at(p, p->pos, "invalid UTF-8 in a string");
        for (size_t i = 0; i < n; i++)
            emit(p, p->s[p->pos + i]);
        p->pos += n;
    }
    emit(p, 0);
    if (p->nodes) {
        p->nodes[node].count = (uint32_t)(p->n_string_bytes - first - 1);
        p->nodes[node].u.offset = (uint32_t)first;
    }
    return node;
}

static bool is_digit(Parser *p)
{
    return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

static int parse_number(Parser *p)
{
    size_t start = p->pos;
    bool negative = p->s[p->pos] == '-';
    if (negative) p->pos++;
    if (!is_digit(p)) return fail_at(p, start, "a '-' without digits");
    bool integer = true;
    uint64_t magnitude = 0;
    /* INT64_MAX, or one more for a negative number. */
    uint64_t limit = (uint64_t)INT64_MAX + (negative ? 1u : 0u);
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (is_digit(p)) return fail_at(p, start, "a number with a leading zero");
    } else {
        while (is_digit(p)) {
            unsigned d = p->s[p->pos++] - '0';
            if (magnitude > (limit - d) / 10)
                integer = false; /* past int64_t: still a number */
            else
                magnitude = magnitude * 10 + d;
        }
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (!is_digit(p)) return fail_at(p, start, "a number with no digits after its '.'");
        while (is_digit(p))
            p->pos++;
        integer = false;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
        if (!is_digit(p)) return fail_at(p, start, "a number with no digits in its exponent");
        while (is_digit(p))
            p->pos++;
        integer = false;
    }
    int node = new_node(p, integer ? CANTUS_JSON_INTEGER : CANTUS_JSON_NUMBER, start);
    if (p->nodes && integer)
        p->nodes[node].u.integer =
            negative ? (magnitude == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)magnitude)
                     : (int64_t)magnitude;
    return node;
}

static int parse_literal(Parser *p)
{
    static const struct {
        const char *word;
        CantusJsonType type;
    } literals[] = {
        {"true", CANTUS_JSON_TRUE}, {"false", CANTUS_JSON_FALSE}, {"null", CANTUS_JSON_NULL}};
    for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++) {
        size_t n = strlen(literals[i].word);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, literals[i].word, n) == 0) {
            int node = new_node(p, literals[i].type, p->pos);
            p->pos += n;
            return node;
        }
    }
    return unexpected(p, "a value");
}

static int parse_value(Parser *p);

/* An array or an object, p->pos at its opening bracket. */
static int parse_container(Parser *p, bool object)
{
    size_t start = p->pos++;
    if (++p->depth > CANTUS_JSON_MAX_DEPTH)
        return fail_at(p, start, "nesting deeper than %d arrays and objects",
                       CANTUS_JSON_MAX_DEPTH);
    int node = new_node(p, object ? CANTUS_JSON_OBJECT : CANTUS_JSON_ARRAY, start);
    char close = object ? '}' : ']';
    uint32_t count = 0;
    int previous = -1;
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
    } else {
        for (;;) {
            skip_space(p);
            int child;
            if (object) {
                if (p->pos >= p->len || p->s[p->pos] != '"') return unexpected(p, "a key string");
                child = parse_string(p);
                if (child < 0) return -1;
                skip_space(p);
                if (p->pos >= p->len || p->s[p->pos] != ':') return unexpected(p, "':'");
                p->pos++;
                if (parse_value(p) < 0) return -1;
            } else {
                child = parse_value(p);
                if (child < 0) return -1;
            }
            link_sibling(p, previous, child);
            previous = child;
            count++;
            skip_space(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == close) {
                p->pos++;
                break;
            }
            return unexpected(p, object ? "',' or '}'" : "',' or ']'");
        }
    }
    if (p->nodes) p->nodes[node].count = count;
    if (object && count > p->max_members) p->max_members = count;
    p->depth--;
    return node;
}

static int parse_value(Parser *p)
{
    skip_space(p);
    if (p->pos >= p->len) return unexpected(p, "a value");
    unsigned char c = p->s[p->pos];
    if (c == '{') return parse_container(p, true);
    if (c == '[') return parse_container(p, false);
    if (c == '"') return parse_string(p);
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p);
    return parse_literal(p);
}

static int parse_document(Parser *p)
{
    if (parse_value(p) < 0) return -1;
    skip_space(p);
    if (p->pos < p->len) return unexpected(p, "nothing after the value");
    return 0;
}

typedef struct {
    const char *key;
    uint32_t pos;
} KeyRef;

static int compare_keys(const void *a, const void *b)
{
    const KeyRef *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* "duplicate key '...'" in one line: a key decoded from "\n" must not split
 * it, and a long one is cut (at a character boundary) after 48 bytes. */
static void quote_key(CantusJsonError *err, const char *key)
{
    char shown[49];
    size_t n = strlen(key), k = n > 48 ? 48 : n;
    while (k < n && k > 0 && ((unsigned char)key[k] & 0xc0) == 0x80)
        k--;
    for (size_t i = 0; i < k; i++)
        shown[i] = (unsigned char)key[i] < 0x20 || key[i] == 0x7f ? '?' : key[i];
    shown[k] = '\0';
    snprintf(err->text, sizeof err->text, "duplicate key '%s%s'", shown, k < n ? "..." : "");
}

/* Of all keys that repeat one before them in the same object, the first in
 * the text is reported (where a streaming parser would have stopped). */
static int check_duplicates(const CantusJson *doc, uint32_t max_members, CantusJsonError *err)
{
    if (max_members < 2) return 0;
    KeyRef *keys = malloc(max_members * sizeof *keys);
    if (!keys) {
        snprintf(err->text, sizeof err->text, "out of memory");
        err->pos = 0;
        return -1;
    }
    int found = -1;
    for (uint32_t i = 0; i < doc->n_nodes; i++) {
        if (doc->nodes[i].type != CANTUS_JSON_OBJECT || doc->nodes[i].count < 2) continue;
        uint32_t n = 0;
        for (int k = cantus_json_first(doc, (int)i); k >= 0; k = cantus_json_next(doc, k))
            keys[n++] = (KeyRef){cantus_json_string(doc, k), doc->nodes[k].pos};
        qsort(keys, n, sizeof *keys, compare_keys);
        for (uint32_t j = 1; j < n; j++) {
            if (strcmp(keys[j].key, keys[j - 1].key) != 0) continue;
            if (found < 0 || keys[j].pos < err->pos) {
                quote_key(err, keys[j].key);
                err->pos = keys[j].pos;
                found = 0;
            }
        }
    }
    free(keys);
    return found < 0 ? 0 : -1;
}

int cantus_json_parse(const char *text, size_t len, CantusJson *out, CantusJsonError *err)
{
    memset(out, 0, sizeof *out);
    CantusJsonError ignored;
    if (!err) err = &ignored;
    if (len > CANTUS_JSON_MAX_TEXT) {
        snprintf(err->text, sizeof err->text, "a text of %zu bytes, over the limit of %u", len,
                 CANTUS_JSON_MAX_TEXT);
        err->pos = 0;
        return -1;
    }
    Parser count = {.s = (const unsigned char *)text, .len = len, .err = err};
    if (parse_document(&count) != 0) return -1;

    /* Nodes first, then the strings: a node is 8-byte aligned at any count. */
    size_t nodes_bytes = (size_t)count.n_nodes * sizeof(CantusJsonNode);
    char *block = malloc(nodes_bytes + count.n_string_bytes);
    if (!block) {
        snprintf(err->text, sizeof err->text, "out of memory");
        err->pos = 0;
        return -1;
    }
    Parser fill = {.s = (const unsigned char *)text,
                   .len = len,
                   .nodes = (CantusJsonNode *)(void *)block,
                   .strings = block + nodes_bytes,
                   .err = NULL};
    if (parse_document(&fill) != 0 || fill.n_nodes != count.n_nodes ||
        fill.n_string_bytes != count.n_string_bytes) {
        /* Cannot happen: the same text parsed the same way. */
        free(block);
        snprintf(err->text, sizeof err->text, "internal error: the two passes disagree");
        err->pos = 0;
        return -1;
    }
    out->nodes = fill.nodes;
    out->strings = fill.strings;
    out->n_nodes = fill.n_nodes;
    if (check_duplicates(out, count.max_members, err) != 0) {
        cantus_json_free(out);
        return -1;
    }
    return 0;
}

void cantus_json_free(CantusJson *doc)
{
    free(doc->nodes);
    memset(doc, 0, sizeof *doc);
}

static const CantusJsonNode *node_at(const CantusJson *doc, int node)
{
    return node >= 0 && (uint32_t)node < doc->n_nodes ? &doc->nodes[node] : NULL;
}

bool cantus_json_is(const CantusJson *doc, int node, CantusJsonType type)
{
    const CantusJsonNode *n = node_at(doc, node);
    return n && n->type == (uint32_t)type;
}

int cantus_json_size(const CantusJson *doc, int node)
{
    const CantusJsonNode *n = node_at(doc, node);
    return n && (n->type == CANTUS_JSON_ARRAY || n->type == CANTUS_JSON_OBJECT) ? (int)n->count : 0;
}

int cantus_json_first(const CantusJson *doc, int node)
{
    return cantus_json_size(doc, node) > 0 ? node + 1 : -1;
}

int cantus_json_next(const CantusJson *doc, int node)
{
    const CantusJsonNode *n = node_at(doc, node);
    return n && n->next ? (int)n->next : -1;
}

int cantus_json_object_get(const CantusJson *doc, int object, const char *key)
{
    if (!cantus_json_is(doc, object, CANTUS_JSON_OBJECT) || !key) return -1;
    for (int k = cantus_json_first(doc, object); k >= 0; k = cantus_json_next(doc, k))
        if (strcmp(cantus_json_string(doc, k), key) == 0) return cantus_json_value(k);
    return -1;
}

int cantus_json_array_get(const CantusJson *doc, int array, int index)
{
    if (!cantus_json_is(doc, array, CANTUS_JSON_ARRAY) || index < 0) return -1;
    int e = cantus_json_first(doc, array);
    for (int i = 0; e >= 0 && i < index; i++)
        e = cantus_json_next(doc, e);
    return e;
}

const char *cantus_json_string(const CantusJson *doc, int node)
{
    const CantusJsonNode *n = node_at(doc, node);
    return n && n->type == CANTUS_JSON_STRING ? doc->strings + n->u.offset : NULL;
}

bool cantus_json_integer(const CantusJson *doc, int node, int64_t *value)
{
    const CantusJsonNode *n = node_at(doc, node);
    if (!n || n->type != CANTUS_JSON_INTEGER) return false;
    *value = n->u.integer;
    return true;
}

size_t cantus_json_write_string(char *out, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), len = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (out) out[len] = (char)(c);                                                             \
        len++;                                                                                     \
    } while (0)
    PUT('"');
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        const char *short_escape = c == '"'    ? "\\\""
                                   : c == '\\' ? "\\\\"
                                   : c == '\b' ? "\\b"
                                   : c == '\f' ? "\\f"
                                   : c == '\n' ? "\\n"
                                   : c == '\r' ? "\\r"
                                   : c == '\t' ? "\\t"
                                               : NULL;
        if (short_escape) {
            PUT(short_escape[0]);
            PUT(short_escape[1]);
            i++;
        } else if (c < 0x20) {
            char hex[7];
            snprintf(hex, sizeof hex, "\\u%04X", c);
            for (int k = 0; k < 6; k++)
                PUT(hex[k]);
            i++;
        } else {
            size_t k = cantus_json_utf8_length(u + i, n - i);
            if (k == 0) return (size_t)-1;
            for (size_t j = 0; j < k; j++)
                PUT(u[i + j]);
            i += k;
        }
    }
    PUT('"');
#undef PUT
    return len;
}
