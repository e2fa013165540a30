/* The JSON of a safetensors header, without a JSON library: a strict reader
 * (RFC 8259, nothing more and nothing less, with the limits below) and the
 * string escaping the writer needs. Internal to core/; load time only, never
 * on the audio thread.
 *
 * The reader parses the whole text into one block of nodes and decoded
 * strings (a counting pass first, so the block is allocated once at its exact
 * size); the document owns every string it hands out.
 *
 * Decisions where JSON leaves a choice:
 *   - A duplicate key in any object is an error (the safetensors format
 *     names each tensor once; which of two would be meant is unknowable).
 *   - A string may not hold U+0000 (as "\u0000"): names and values are C
 *     strings. Unpaired surrogate escapes and invalid UTF-8 are errors.
 *   - Numbers follow the JSON grammar exactly (no leading zeros, '+', '.5',
 *     hex, NaN or Infinity). One without fraction or exponent that fits an
 *     int64_t is CANTUS_JSON_INTEGER with its value; any other valid number
 *     (12.0, 1e3, 2^63) is CANTUS_JSON_NUMBER, whose value is not kept: the
 *     header uses integers only, so a caller reports it as not an integer.
 *   - Nesting deeper than CANTUS_JSON_MAX_DEPTH containers, or a text over
 *     CANTUS_JSON_MAX_TEXT bytes, is refused.
 *   - Whitespace may surround the value; anything else after it is an error,
 *     a NUL byte too (jansson stopped reading at one; the format pads the
 *     header with spaces).
 *   - Numbers have no range: 1e99999 or a 30-digit integer is a valid
 *     CANTUS_JSON_NUMBER (jansson refused both as "overflow").
 */
#ifndef CANTUS_JSON_H
#define CANTUS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CANTUS_JSON_MAX_DEPTH 32
#define CANTUS_JSON_MAX_TEXT  (16u << 20)

typedef enum {
    CANTUS_JSON_NULL,
    CANTUS_JSON_FALSE,
    CANTUS_JSON_TRUE,
    CANTUS_JSON_INTEGER, /* no fraction or exponent, within int64_t */
    CANTUS_JSON_NUMBER,  /* any other number; its value is not kept */
    CANTUS_JSON_STRING,
    CANTUS_JSON_ARRAY,
    CANTUS_JSON_OBJECT,
} CantusJsonType;

/* Nodes are in document order; nodes[0] is the root. An object's members are
 * its key nodes (strings), each followed directly by its value's nodes. */
typedef struct {
    uint32_t type;  /* CantusJsonType */
    uint32_t next;  /* the next element or member key of the same parent; 0: none */
    uint32_t pos;   /* byte offset of the value (of a key: of the key) in the text */
    uint32_t count; /* elements, members, or a string's length in bytes */
    union {
        int64_t integer; /* CANTUS_JSON_INTEGER */
        uint32_t offset; /* CANTUS_JSON_STRING: into strings, NUL-terminated */
    } u;
} CantusJsonNode;

typedef struct {
    CantusJsonNode *nodes; /* one block with the strings; NULL when empty */
    const char *strings;
    uint32_t n_nodes;
} CantusJson;

typedef struct {
    char text[96]; /* what is wrong, e.g. "duplicate key 'fc.bias'" */
    size_t pos;    /* byte offset in the text where it was found */
} CantusJsonError;

/* Parses text[0..len). Returns 0, or -1 with out zeroed and err filled. */
int cantus_json_parse(const char *text, size_t len, CantusJson *out, CantusJsonError *err);
void cantus_json_free(CantusJson *doc);

/* Accessors. A node is an index into doc->nodes; -1 stands for "none" and is
 * accepted everywhere (the type of -1 is no type: every is_ is false). */
bool cantus_json_is(const CantusJson *doc, int node, CantusJsonType type);
/* Members of an object, elements of an array; 0 for anything else. */
int cantus_json_size(const CantusJson *doc, int node);
/* The first element of an array or the first member key of an object. */
int cantus_json_first(const CantusJson *doc, int node);
/* The element or member key after this one, -1 after the last. */
int cantus_json_next(const CantusJson *doc, int node);
/* The value of an object's member, given its key node. */
static inline int cantus_json_value(int key)
{
    return key < 0 ? -1 : key + 1;
}
int cantus_json_object_get(const CantusJson *doc, int object, const char *key);
int cantus_json_array_get(const CantusJson *doc, int array, int index);
/* A string node's text (keys included), NULL for other nodes. */
const char *cantus_json_string(const CantusJson *doc, int node);
/* An INTEGER node's value into *value; false for other nodes. */
bool cantus_json_integer(const CantusJson *doc, int node, int64_t *value);

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 when
 * there is none (overlong forms, surrogates and code points past U+10FFFF
 * are not well-formed). */
size_t cantus_json_utf8_length(const unsigned char *s, size_t n);

/* Writes s as a JSON string, quotes included, into out (when out is not NULL)
 * and returns its length; (size_t)-1 when s is not valid UTF-8. Escapes '"',
 * '\\' and control characters (\b \f \n \r \t, others as \u00XX) and nothing
 * else, as jansson's compact output did. */
size_t cantus_json_write_string(char *out, const char *s);

#endif
