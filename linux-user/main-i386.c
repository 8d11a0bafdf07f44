/* quetzal-i386: runs static i386 Linux programs. */
#include "linux-user/user.h"

int main(int argc, char **argv)
{
    return user_main(&user_abi_i386, argc, argv);
}
