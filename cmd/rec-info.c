/* rec-info - print the metadata and tensors of a safetensors file */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"
#include "rec/st.h"

static const char usage_text[] =
"usage: rec-info [--json] [-o FILE] [FILE]\n";

static const char help_text[] =
"Check a safetensors file (a model or a graph) and print its metadata and\n"
"tensors.  One TSV line a metadata pair, then one a tensor:\n"
"  meta    KEY   VALUE\n"
"  tensor  NAME  DTYPE  SHAPE  BYTES   (SHAPE like 610x64, or 'scalar')\n"
"TAB, newline, CR and backslash inside a field are written \\t \\n \\r \\\\.\n"
"\n"
"      --json         one JSON object {\"metadata\":{...},\"tensors\":[...]}\n"
"  -o, --output FILE  write FILE (atomically) instead of standard output\n"
"  -h, --help         show this help and exit\n"
"  -V, --version      show the version and exit\n";

/* s as one TSV field. */
static void
put_field(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': fputs("\\t", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\\': fputs("\\\\", fp); break;
		default:   putc(*s, fp); break;
		}
	}
}

static void
print_tsv(FILE *fp, const struct rec_st *st)
{
	for (size_t i = 0; i < st->nmeta; i++) {
		fputs("meta\t", fp);
		put_field(fp, st->meta_key[i]);
		putc('\t', fp);
		put_field(fp, st->meta_val[i]);
		putc('\n', fp);
	}
	for (size_t i = 0; i < st->nt; i++) {
		const struct rec_tensor *t = &st->t[i];
		fputs("tensor\t", fp);
		put_field(fp, t->name);
		fprintf(fp, "\t%s\t", rec_st_dtype_name(t->dtype));
		if (t->ndim == 0)
			fputs("scalar", fp);
		for (int d = 0; d < t->ndim; d++)
			fprintf(fp, "%s%" PRId64, d ? "x" : "", t->shape[d]);
		fprintf(fp, "\t%zu\n", t->nbytes);
	}
}

/* 0, or -1 when out of memory. */
static int
print_json(FILE *fp, const struct rec_st *st)
{
	json_t *root = json_object(), *meta = json_object(), *ts = json_array();
	int rc = -1;

	if (json_object_set_new(root, "metadata", meta) != 0 ||
	    json_object_set_new(root, "tensors", ts) != 0)
		goto out;
	for (size_t i = 0; i < st->nmeta; i++)
		if (json_object_set_new(meta, st->meta_key[i],
		                        json_string(st->meta_val[i])) != 0)
			goto out;
	for (size_t i = 0; i < st->nt; i++) {
		const struct rec_tensor *t = &st->t[i];
		json_t *o, *shape = json_array();
		if (!shape)
			goto out;
		for (int d = 0; d < t->ndim; d++) {
			json_t *dim = json_integer(t->shape[d]);
			if (json_array_append_new(shape, dim) != 0) {
				json_decref(shape);
				goto out;
			}
		}
		/* "o" steals shape, even when json_pack fails. */
		o = json_pack("{s:s, s:s, s:o, s:I}", "name", t->name,
		              "dtype", rec_st_dtype_name(t->dtype),
		              "shape", shape, "bytes", (json_int_t)t->nbytes);
		if (!o || json_array_append_new(ts, o) != 0)
			goto out;
	}
	/* A write error shows in ferror(fp), checked at the commit. */
	json_dumpf(root, fp, JSON_COMPACT);
	putc('\n', fp);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json",    no_argument,       NULL, 'j' },
		{ "output",  required_argument, NULL, 'o' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct rec_st *st = NULL;
	struct rec_err err = { 0 };
	const char *out_path = NULL;
	int c, json = 0;

	rec_cli_init(argv, "rec-info", usage_text);
	while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'o': out_path = optarg; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (argc - optind > 1)
		rec_cli_usage_error("more than one input file");

	struct rec_input in = rec_cli_input(argv[optind]);
	if (rec_st_load_fp(&st, in.fp, in.name, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);

	struct rec_output out = rec_cli_output(out_path, 0);
	if (json) {
		if (print_json(out.fp, st) != 0)
			rec_cli_die("out of memory");
	} else {
		print_tsv(out.fp, st);
	}
	rec_cli_commit(&out);
	rec_st_free(st);
	return rec_cli_exit(0);
}
