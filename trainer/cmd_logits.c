/* cantus-train logits: a model's next-token predictions for a token
 * sequence, from a zero state, one step per input token. --json prints the
 * raw logits with round-trip precision (%.9g), so another implementation
 * (PyTorch) can be compared value by value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "lstm.h"
#include "meter_arg.h"
#include "model.h"
#include "sampler.h"

#define TOP_TOKENS 5

typedef struct {
    const char *model, *tokens, *meter;
    int json;
    long top;
} LogitsArgs;

static const CliOption options[] = {
    {.help = "usage: cantus-train logits --model M --tokens T,T,... [--meter N/D] [--json]\n\n"
             "Feeds the tokens one by one to the model, from a zero state, and prints after\n"
             "each one the most likely next tokens and their probabilities.\n\n"},
    {"model", "M", "a Cantus model (.safetensors)", CLI_TEXT(LogitsArgs, model)},
    {"tokens", "LIST",
     "comma-separated token indices 0..V-1, or names: C4, F#3,\n"
     "REST, HOLD",
     CLI_TEXT(LogitsArgs, tokens)},
    {"top", "N", "how many tokens to list per step (default 5)",
     CLI_NUMBER(LogitsArgs, top, 1, CANTUS_MAX_VOCAB)},
    {"meter", "N/D",
     "for a model with a metre input (cantus.bar_steps): the\n"
     "first token starts a bar of N/D, each token one step\n"
     "on (default 4/4)",
     CLI_TEXT(LogitsArgs, meter)},
    {"json", NULL,
     "one JSON object per step and line:\n"
     "{\"step\": i, \"input\": token, \"logits\": [V numbers]},\n"
     "and \"position\" in the bar for a metre model",
     CLI_FLAG(LogitsArgs, json)},
    CLI_HELP_AND_VERSION,
    CLI_END(18),
};

static void token_name(const CantusModelInfo *info, int token, char *name)
{
    if (token == info->rest_token)
        snprintf(name, 8, "REST");
    else if (token == info->hold_token)
        snprintf(name, 8, "HOLD");
    else
        cli_pitch_name(cantus_token_pitch(info, token), name);
}

/* A token as an index or a name; -1 (with a message) when it is not one of
 * the model's tokens. */
static int parse_token(const CantusModelInfo *info, const char *text)
{
    long number;
    int pitch;
    if (cli_parse_int(text, -(1L << 30), 1L << 30, &number)) {
        if (number >= 0 && number < info->vocab) return (int)number;
        cli_error("token %ld: out of range: this model has tokens 0..%d", number, info->vocab - 1);
        return -1;
    }
    if (!strcmp(text, "REST") || !strcmp(text, "HOLD")) {
        int token = text[0] == 'R' ? info->rest_token : info->hold_token;
        if (token < 0) cli_error("%s: this model has no such token", text);
        return token;
    }
    if (cli_parse_pitch(text, &pitch)) {
        if (pitch >= info->note_low && pitch <= info->note_high) return pitch - info->note_low;
        cli_error("%s: outside the model's notes %d..%d", text, info->note_low, info->note_high);
        return -1;
    }
    cli_error("%s: not a token (an index 0..%d, a note name such as C4, REST or HOLD)", text,
              info->vocab - 1);
    return -1;
}

static int parse_tokens(const CantusModelInfo *info, const char *list, int **tokens, int *n)
{
    char *copy = strdup(list);
    int *out = malloc((strlen(list) / 2 + 1) * sizeof *out);
    *n = 0;
    if (!copy || !out) {
        free(copy), free(out);
        cli_error("out of memory");
        return -1;
    }
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ')
            item++;
        int token = parse_token(info, item);
        if (token < 0) {
            free(copy), free(out);
            return -1;
        }
        out[(*n)++] = token;
    }
    free(copy);
    if (*n == 0) {
        free(out);
        cli_error("--tokens: lists no token");
        return -1;
    }
    *tokens = out;
    return 0;
}

int cmd_logits(int argc, char **argv)
{
    LogitsArgs args = {.top = TOP_TOKENS};
    int status;
    if (!cli_read_command_line(argc, argv, options, &args, &status)) return status;
    if (!args.model || !args.tokens) return cli_usage_error("needs --model and --tokens");
    const char *model_path = args.model, *meter = args.meter;
    const int json = args.json;
    const long top = args.top;

    char err[CANTUS_ERROR_SIZE];
    CantusModel *model = cantus_model_load(model_path, err, sizeof err);
    if (!model) {
        cli_error("%s", err);
        return 1;
    }
    const CantusModelInfo *info = cantus_model_info(model);
    int *tokens = NULL, n = 0;
    CantusLstmState *state = NULL;
    double *probs = malloc((size_t)info->vocab * sizeof *probs);
    int *order = malloc((size_t)info->vocab * sizeof *order);
    int bar = 0;
    status = 1;
    if (parse_tokens(info, args.tokens, &tokens, &n) != 0) goto done;
    if (meter && info->bar_steps == 0) {
        cli_usage_error("--meter: %s has no metre input (no cantus.bar_steps)", model_path);
        status = 2;
        goto done;
    }
    if (info->bar_steps > 0 &&
        (bar = meter_arg_bar_steps(meter ? meter : "4/4", info->steps_per_beat, info->bar_steps,
                                   err, sizeof err)) < 0) {
        cli_usage_error("--meter: %s", err);
        status = 2;
        goto done;
    }
    state = cantus_lstm_state_new(model);
    if (!state || !probs || !order) {
        cli_error("out of memory");
        goto done;
    }
    cantus_lstm_state_reset(state);
    for (int step = 0; step < n; step++) {
        int position = bar > 0 ? step % bar : -1;
        const float *logits = cantus_lstm_state_step_at(state, tokens[step], position);
        if (json) {
            printf("{\"step\": %d, \"input\": %d, ", step, tokens[step]);
            if (bar > 0) printf("\"position\": %d, ", position);
            printf("\"logits\": [");
            for (int v = 0; v < info->vocab; v++)
                printf(v ? ", %.9g" : "%.9g", (double)logits[v]);
            printf("]}\n");
            continue;
        }
        char name[8];
        token_name(info, tokens[step], name);
        printf("step %d  input %-4s", step, name);
        if (bar > 0) printf(" at %d/%d", position, bar);
        printf(" ->");
        cantus_softmax(logits, NULL, info->vocab, 1.0f, probs);
        /* The top few by a partial selection sort: V is at most 512. */
        for (int v = 0; v < info->vocab; v++)
            order[v] = v;
        for (int k = 0; k < top && k < info->vocab; k++) {
            int best = k;
            for (int v = k + 1; v < info->vocab; v++)
                if (probs[order[v]] > probs[order[best]]) best = v;
            int t = order[best];
            order[best] = order[k];
            order[k] = t;
            token_name(info, t, name);
            printf("  %s %.1f%%", name, 100.0 * probs[t]);
        }
        putchar('\n');
    }
    status = fflush(stdout) == 0 ? 0 : 1;
done:
    free(tokens);
    free(probs);
    free(order);
    cantus_lstm_state_free(state);
    cantus_model_free(model);
    return status;
}
