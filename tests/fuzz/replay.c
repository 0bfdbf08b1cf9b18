/* replay - run a fuzz target over files without libFuzzer (built with
 * gcc, for make check).  Each argument is a file, or a directory whose
 * files (not dot files) are replayed in name order.  Exit 1 if a file
 * cannot be read; a bug in the target crashes it, as under libFuzzer.
 * Prints the number of inputs replayed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL, *p;
	size_t n = 0, got = 1;

	while (fp && got > 0) {   /* read to EOF, 4096 bytes at a time */
		if (!(p = realloc(data, n + 4096)))
			break;
		data = p;
		n += got = fread(data + n, 1, 4096, fp);
	}
	if (!fp || got > 0 || ferror(fp)) {
		perror(path);
		free(data);
		if (fp)
			fclose(fp);
		return 1;
	}
	fclose(fp);
	if ((p = realloc(data, n ? n : 1)))   /* exact size: ASan sees a read past the end */
		data = p;
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	int bad = 0, ran = 0;

	for (int i = 1; i < argc; i++) {
		struct stat sb;
		struct dirent **ent;
		char path[4096];
		int ne;

		if (stat(argv[i], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			bad |= replay(argv[i]), ran++;
			continue;
		}
		if ((ne = scandir(argv[i], &ent, NULL, alphasort)) < 0) {
			perror(argv[i]);
			return 1;
		}
		for (int j = 0; j < ne; j++) {
			if (ent[j]->d_name[0] != '.') {
				snprintf(path, sizeof path, "%s/%s", argv[i], ent[j]->d_name);
				bad |= replay(path), ran++;
			}
			free(ent[j]);
		}
		free(ent);
	}
	printf("%s: %d inputs replayed\n", argv[0], ran);
	return bad;
}
