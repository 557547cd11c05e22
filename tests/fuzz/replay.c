/* Runs a fuzz harness over files (its corpus), without libFuzzer: ctest uses it so every
 * harness and its seeds stay working in the normal build. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int runs = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		uint8_t *buf = malloc(1 << 20);
		size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		runs++;
	}
	printf("%d inputs replayed\n", runs);
	return runs > 0 ? 0 : 1;
}
