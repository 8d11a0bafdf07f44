/* quetzal-x86_64: runs static x86-64 Linux programs. */
#include "linux-user/user.h"

int main(int argc, char **argv)
{
    return user_main(&user_abi_x86_64, argc, argv);
}
