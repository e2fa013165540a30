/* The subcommands of cantus-train. Each takes the arguments after its own
 * name (argv[0] is the subcommand) and returns the process exit status:
 * 0 on success, 1 on a failure it has explained on stderr, 2 on bad usage
 * (core/cli/cli.h: one line, "cantus-train COMMAND: what: why"). */
#ifndef CANTUS_TRAINER_COMMANDS_H
#define CANTUS_TRAINER_COMMANDS_H

int cmd_train(int argc, char **argv);    /* cmd_train.c */
int cmd_eval(int argc, char **argv);     /* cmd_eval.c */
int cmd_logits(int argc, char **argv);   /* cmd_logits.c */
int cmd_generate(int argc, char **argv); /* cmd_generate.c */
int cmd_tokens(int argc, char **argv);   /* cmd_tokens.c */
int cmd_meta(int argc, char **argv);     /* cmd_meta.c */

#endif
