/* String and memory functions, qsort and bsearch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    char buf[256], copy[256];
    strcpy(buf, "The quick brown fox jumps over the lazy dog");
    printf("len %zu\n", strlen(buf));
    printf("chr %s\n", strchr(buf, 'q'));
    printf("rchr %s\n", strrchr(buf, 'o'));
    printf("str %s\n", strstr(buf, "fox"));
    memmove(buf + 4, buf, 20);
    printf("memmove %s\n", buf);
    memset(buf + 10, '#', 5);
    printf("memset %s\n", buf);
    strcpy(copy, "alpha,beta,,gamma;delta");
    for (char *tok = strtok(copy, ",;"); tok; tok = strtok(NULL, ",;")) {
        printf("tok %s\n", tok);
    }
    printf("cmp %d %d %d\n", strcmp("abc", "abd") < 0, memcmp("xyz", "xyz", 3),
           strncmp("hello", "help", 3));
    char *dup = strdup("duplicate");
    printf("dup %s %d\n", dup, (int)strspn(dup, "dupl"));
    free(dup);
    int numbers[1000];
    unsigned seed = 12345;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 1103515245 + 12345;
        numbers[i] = (int)(seed >> 8) % 100000;
    }
    qsort(numbers, 1000, sizeof(int), compare_ints);
    long sum = 0;
    for (int i = 0; i < 1000; i++) {
        sum = sum * 7 + numbers[i];
    }
    printf("qsort first %d last %d hash %ld\n", numbers[0], numbers[999], sum);
    int key = numbers[500];
    int *found = bsearch(&key, numbers, 1000, sizeof(int), compare_ints);
    printf("bsearch %d\n", found ? *found : -1);
    const char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date" };
    qsort(words, 6, sizeof(words[0]), compare_strings);
    for (int i = 0; i < 6; i++) {
        printf("%s ", words[i]);
    }
    printf("\n");
    snprintf(buf, sizeof(buf), "%5d|%-5s|%x|%o|%c|%%", 42, "ab", 255, 8, 'z');
    printf("fmt %s\n", buf);
    /* large copies exercise the vectorized routines */
    static char big_a[100000], big_b[100000];
    for (int i = 0; i < 100000; i++) {
        big_a[i] = (char)(i * 7);
    }
    memcpy(big_b, big_a, sizeof(big_a));
    printf("bigcmp %d\n", memcmp(big_a, big_b, sizeof(big_a)));
    big_b[99999] ^= 1;
    printf("bigcmp2 %d\n", memcmp(big_a, big_b, sizeof(big_a)) != 0);
    return 0;
}
