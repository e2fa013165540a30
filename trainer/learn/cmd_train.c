/* cantus-train train: being written (issue 4). */
#include <stdio.h>

#include "commands.h"

int cmd_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cantus-train train: not built yet\n");
    return 1;
}
