/* Recursion and setjmp/longjmp. */
#include <setjmp.h>
#include <stdio.h>

static long fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static int ackermann(int m, int n)
{
    if (m == 0) {
        return n + 1;
    }
    if (n == 0) {
        return ackermann(m - 1, 1);
    }
    return ackermann(m - 1, ackermann(m, n - 1));
}

static jmp_buf env;
static int depth_reached;

static void dive(int depth)
{
    if (depth == 50) {
        depth_reached = depth;
        longjmp(env, depth);
    }
    dive(depth + 1);
}

int main(void)
{
    printf("fib(25) = %ld\n", fib(25));
    printf("ackermann(2, 3) = %d\n", ackermann(2, 3));
    int value = setjmp(env);
    if (value == 0) {
        dive(0);
        printf("not reached\n");
    } else {
        printf("longjmp returned %d, depth %d\n", value, depth_reached);
    }
    volatile int count = 0;
    if (setjmp(env) < 3) {
        count++;
        longjmp(env, count);
    }
    printf("loops %d\n", count);
    return 0;
}
