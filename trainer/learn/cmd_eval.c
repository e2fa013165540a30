/* cantus-train eval: being written (issue 4). */
#include <stdio.h>

#include "commands.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cantus-train eval: not built yet\n");
    return 1;
}
