/* placeholder */
#include "target-i386/sys_helper.h"
typedef int x86sys_seg_helper_empty;
