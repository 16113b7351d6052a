/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-library.h"
#include "hg-spawn.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"

/*
 * hangarctl as a user runs it: the built binary as a subprocess over
 * temporary libraries (suite cli).  Exit codes as in data/hangarctl.1:
 * 0 ok, 1 failure, 2 usage, 3 not found, 4 state, 5 missing, 6 config.
 */

static char *ctl_path;

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* hangarctl ARGS... NULL */
static void
ctl (Run        *r,
     const char *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  const char *a;

  run_clear (r);
  g_ptr_array_add (argv, ctl_path);
  va_start (ap, first);
  for (a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  r->status = hg_test_run ((const char * const *) argv->pdata, &r->out, &r->err, 60000);
  g_assert_cmpint (r->status, >=, 0);
}

/* An error is one line: "hangarctl: <command>: <message>\n" */
static void
assert_error_line (const Run  *r,
                   const char *command,
                   const char *needle)
{
  g_autofree char *prefix = g_strdup_printf ("hangarctl: %s: ", command);

  g_assert_nonnull (r->err);
  g_assert_true (g_str_has_prefix (r->err, prefix));
  g_assert_true (g_str_has_suffix (r->err, "\n"));
  g_assert_true (strchr (r->err, '\n') == r->err + strlen (r->err) - 1);   /* one line */
  if (needle != NULL && strstr (r->err, needle) == NULL)
    g_error ("stderr «%s» does not contain «%s»", r->err, needle);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* Every path under dir, sorted, one per line: what is on disk */
static void
list_tree (GString    *s,
           const char *dir,
           const char *rel)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, n, NULL);
      g_autofree char *sub = g_build_filename (rel, n, NULL);

      g_string_append_printf (s, "%s\n", sub);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        list_tree (s, path, sub);
    }
}

static char *
tree_snapshot (const char *dir)
{
  GString *s = g_string_new (NULL);

  list_tree (s, dir, "");
  return g_string_free (s, FALSE);
}

static JsonObject *
find_by_label (JsonArray  *array,
               const char *label)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      if (g_strcmp0 (json_object_get_string_member (o, "label"), label) == 0)
        return o;
    }
  return NULL;
}

/* ---- list ------------------------------------------------------------------ */

static void
test_list (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *broken = g_build_filename (base, "lab2", "bad", "bad.hangar", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_auto(Run) r = { 0 };
  JsonArray *array;
  JsonObject *o;

  ctl (&r, "--base", base, "create", "--label", "web", "--folder", "lab1", "--memory", "256", NULL);
  g_assert_cmpint (r.status, ==, 0);
  ctl (&r, "--base", base, "create", "--label", "db", "--net", "vde", "--switch", "lan", NULL);
  g_assert_cmpint (r.status, ==, 0);
  hg_test_write_file (broken, "[machine]\nlabel=bad\narch=x86_64\nmemory=lots\n");

  ctl (&r, "--base", base, "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "LABEL"));
  g_assert_nonnull (strstr (r.out, "web"));
  g_assert_nonnull (strstr (r.out, "lab1"));
  g_assert_nonnull (strstr (r.out, "256 MiB"));
  g_assert_nonnull (strstr (r.out, "vde:lan"));
  g_assert_nonnull (strstr (r.out, "broken"));
  /* the broken one with its error, naming the file */
  g_assert_nonnull (strstr (r.out, broken));

  /* the same with --json, either before or after the command */
  ctl (&r, "--base", base, "--json", "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_json (r.out);
  array = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  o = find_by_label (array, "web");
  g_assert_nonnull (o);
  g_assert_cmpstr (json_object_get_string_member (o, "folder"), ==, "lab1");
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "stopped");
  g_assert_cmpint (json_object_get_int_member (o, "memory-mib"), ==, 256);
  g_assert_cmpstr (json_object_get_string_member (o, "network"), ==, "user");
  o = find_by_label (array, "bad");
  g_assert_nonnull (o);
  g_assert_cmpstr (json_object_get_string_member (o, "folder"), ==, "lab2");
  g_assert_nonnull (strstr (json_object_get_string_member (o, "error"), "memory"));
  g_clear_pointer (&root, json_node_unref);

  ctl (&r, "list", "--json", "--base", base, NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_json (r.out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 3);

  /* a base that does not exist */
  ctl (&r, "--base", "/nonexistent/hangar-base", "list", NULL);
  g_assert_cmpint (r.status, ==, 3);
  assert_error_line (&r, "list", "/nonexistent/hangar-base");

  hg_test_remove_tree (base);
}

/* ---- info -------------------------------------------------------------------- */

static void
test_info (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *dir = g_build_filename (base, "web", NULL);
  g_autofree char *config = g_build_filename (dir, "web.hangar", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_auto(Run) r = { 0 };
  JsonObject *o;

  ctl (&r, "--base", base, "create", "--label", "web", "--cpus", "2", "--mac", "52:54:00:AB:CD:EF",
       "--os", "debian12", "--keymap", "de", NULL);
  g_assert_cmpint (r.status, ==, 0);

  ctl (&r, "--base", base, "info", "web", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "label:"));
  g_assert_nonnull (strstr (r.out, config));
  g_assert_nonnull (strstr (r.out, "52:54:00:ab:cd:ef"));
  g_assert_nonnull (strstr (r.out, "debian12"));

  /* by directory and by config path, without --base */
  ctl (&r, "--json", "info", dir, NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_json (r.out);
  o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "label"), ==, "web");
  g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, config);
  g_assert_cmpint (json_object_get_int_member (o, "cpus"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "keymap"), ==, "de");
  g_clear_pointer (&root, json_node_unref);
  ctl (&r, "info", "--json", config, NULL);
  g_assert_cmpint (r.status, ==, 0);

  /* not found: names the VM and where it looked */
  ctl (&r, "--base", base, "info", "nope", NULL);
  g_assert_cmpint (r.status, ==, 3);
  assert_error_line (&r, "info", "'nope'");
  g_assert_nonnull (strstr (r.err, base));

  /* the same label in two folders */
  ctl (&r, "create", "--base", base, "--dir", base, "--folder", "a", "--label", "twin", NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    /* create refuses a second twin, so make it by copying the directory */
    g_autofree char *src = g_build_filename (base, "a", "twin", "twin.hangar", NULL);
    g_autofree char *dst = g_build_filename (base, "b", "twin", "twin.hangar", NULL);
    g_autofree char *text = NULL;

    g_assert_true (g_file_get_contents (src, &text, NULL, NULL));
    hg_test_write_file (dst, text);
    ctl (&r, "--base", base, "info", "twin", NULL);
    g_assert_cmpint (r.status, ==, 2);
    assert_error_line (&r, "info", "ambiguous");
    g_assert_nonnull (strstr (r.err, src));
    g_assert_nonnull (strstr (r.err, dst));
  }

  /* a broken config: exit 6 with the loader's message */
  hg_test_write_file (config, "[machine]\nlabel=web\narch=x86_64\nmemory=-1\n");
  ctl (&r, "--base", base, "info", "web", NULL);
  g_assert_cmpint (r.status, ==, 6);
  assert_error_line (&r, "info", config);

  ctl (&r, "--base", base, "info", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_error_line (&r, "info", NULL);

  hg_test_remove_tree (base);
}

/* ---- create ------------------------------------------------------------------ */

static void
test_create_defaults (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autoptr(JsonNode) root = NULL;
  g_auto(Run) r = { 0 };
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");
  JsonObject *o, *nic;
  JsonArray *nics;

  ctl (&r, "--base", base, "create", "--label", "plain", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "plain.hangar"));
  ctl (&r, "--base", base, "--json", "info", "plain", NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_json (r.out);
  o = json_node_get_object (root);
  g_assert_true (hg_host_arch_is_known (json_object_get_string_member (o, "arch")));
  g_assert_cmpstr (json_object_get_string_member (o, "accel"), ==, "auto");
  g_assert_cmpint (json_object_get_int_member (o, "memory-mib"), ==, 1024);
  g_assert_cmpint (json_object_get_int_member (o, "cpus"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "console"), ==, "vnc");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "disks")), ==, 0);
  nics = json_object_get_array_member (o, "nics");
  g_assert_cmpuint (json_array_get_length (nics), ==, 1);
  nic = json_array_get_object_element (nics, 0);
  g_assert_cmpstr (json_object_get_string_member (nic, "mode"), ==, "user");
  g_assert_true (hg_mac_is_valid (json_object_get_string_member (nic, "mac")));
  g_clear_pointer (&root, json_node_unref);

  /* no temporary directory is left beside it */
  {
    g_autofree char *tree = tree_snapshot (base);
    g_assert_cmpstr (tree, ==, "plain\nplain/plain.hangar\n");
  }

  /* kernel boot, files copied in: 512 MiB, paths relative to the VM */
  {
    g_autofree char *kernel = g_build_filename (base, "vmlinuz-x", NULL);
    g_autofree char *initrd = g_build_filename (base, "initrd-x", NULL);
    g_autofree char *copied = g_build_filename (base, "k", "vmlinuz-x", NULL);

    hg_test_write_file (kernel, "not really a kernel");
    hg_test_write_file (initrd, "not really an initrd");
    ctl (&r, "--base", base, "create", "--label", "k", "--kernel", kernel, "--initrd", initrd,
         "--append", "console=ttyS0", "--copy-in", "--net", "none", "--console", "serial", NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_true (g_file_test (copied, G_FILE_TEST_IS_REGULAR));
    ctl (&r, "--base", base, "--json", "info", "k", NULL);
    g_assert_cmpint (r.status, ==, 0);
    root = parse_json (r.out);
    o = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (o, "memory-mib"), ==, 512);
    g_assert_cmpstr (json_object_get_string_member (o, "network"), ==, "none");
    o = json_object_get_object_member (o, "boot");
    g_assert_cmpstr (json_object_get_string_member (o, "mode"), ==, "kernel");
    g_assert_cmpstr (json_object_get_string_member (o, "kernel"), ==, "vmlinuz-x");
    g_assert_cmpstr (json_object_get_string_member (o, "append"), ==, "console=ttyS0");
    g_clear_pointer (&root, json_node_unref);

    /* without --copy-in: referenced by absolute path */
    ctl (&r, "--base", base, "create", "--label", "k2", "--kernel", kernel, NULL);
    g_assert_cmpint (r.status, ==, 0);
    ctl (&r, "--base", base, "--json", "info", "k2", NULL);
    root = parse_json (r.out);
    o = json_object_get_object_member (json_node_get_object (root), "boot");
    g_assert_cmpstr (json_object_get_string_member (o, "kernel"), ==, kernel);
    g_clear_pointer (&root, json_node_unref);
  }

  /* a new qcow2 disk, then that image used by another VM as --disk */
  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed: --disk-size not checked");
    }
  else
    {
      g_autofree char *image = g_build_filename (base, "d", "d.qcow2", NULL);
      JsonObject *disk;

      ctl (&r, "--base", base, "create", "--label", "d", "--disk-size", "64M", NULL);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));
      ctl (&r, "--base", base, "--json", "info", "d", NULL);
      root = parse_json (r.out);
      disk = json_array_get_object_element (
        json_object_get_array_member (json_node_get_object (root), "disks"), 0);
      g_assert_cmpstr (json_object_get_string_member (disk, "format"), ==, "qcow2");
      g_assert_cmpstr (json_object_get_string_member (disk, "path"), ==, "d.qcow2");
      g_assert_true (json_object_get_boolean_member (disk, "exists"));
      g_clear_pointer (&root, json_node_unref);

      ctl (&r, "--base", base, "create", "--label", "e", "--disk", image, NULL);
      g_assert_cmpint (r.status, ==, 0);
      ctl (&r, "--base", base, "--json", "info", "e", NULL);
      root = parse_json (r.out);
      disk = json_array_get_object_element (
        json_object_get_array_member (json_node_get_object (root), "disks"), 0);
      g_assert_cmpstr (json_object_get_string_member (disk, "format"), ==, "qcow2");
      g_assert_cmpstr (json_object_get_string_member (disk, "path"), ==, image);
      g_clear_pointer (&root, json_node_unref);
    }

  hg_test_remove_tree (base);
}

/* The default library: $XDG_DATA_HOME/hangar/vms */
static void
test_default_base (void)
{
  g_autofree char *home = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *old = g_strdup (g_getenv ("XDG_DATA_HOME"));
  g_autofree char *expected = g_build_filename (home, "hangar", "vms", "dflt", "dflt.hangar", NULL);
  g_auto(Run) r = { 0 };

  g_setenv ("XDG_DATA_HOME", home, TRUE);
  ctl (&r, "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.out, "dflt"));
  ctl (&r, "create", "--label", "dflt", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
  ctl (&r, "list", NULL);
  g_assert_nonnull (strstr (r.out, "dflt"));
  ctl (&r, "info", "dflt", NULL);
  g_assert_cmpint (r.status, ==, 0);
  if (old != NULL)
    g_setenv ("XDG_DATA_HOME", old, TRUE);
  else
    g_unsetenv ("XDG_DATA_HOME");
  hg_test_remove_tree (home);
}

static void
test_create_refused (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *marker = g_build_filename (base, "pwned", NULL);
  g_autofree char *hostile = g_strdup_printf ("$(touch %s)", marker);
  g_autofree char *hostile2 = g_strdup ("x;touch${IFS}pwned");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_auto(Run) r = { 0 };
  struct {
    const char *args[8];
    int         status;
    const char *needle;
  } cases[] = {
    { { "--label", "web", NULL }, 2, "exists already" },
    { { "--label", "other", "--folder", "x", "--mac", "01:00:5e:00:00:01", NULL }, 2, "--mac" },
    { { "--label", "other", "--mac", "52:54:00:zz:00:01", NULL }, 2, "--mac" },
    { { "--label", "other", "--memory", "0", NULL }, 2, "--memory" },
    { { "--label", "other", "--memory", "12k", NULL }, 2, "--memory" },
    { { "--label", "other", "--memory", "99999999", NULL }, 2, "--memory" },
    { { "--label", ".hidden", NULL }, 2, "--label" },
    { { "--label", "a/b", NULL }, 2, "--label" },
    { { "--label", hostile, NULL }, 2, "not a valid VM name" },
    { { "--label", hostile2, NULL }, 2, "not a valid VM name" },
    { { "--memory", "512", NULL }, 2, "--label is required" },
    { { "--label", "other", "--arch", "z80", NULL }, 2, "--arch" },
    { { "--label", "other", "--accel", "fast", NULL }, 2, "--accel" },
    { { "--label", "other", "--net", "wifi", NULL }, 2, "--net" },
    { { "--label", "other", "--disk-size", "8", NULL }, 2, "--disk-size" },
    { { "--label", "other", "--disk-size", "lots", NULL }, 2, "--disk-size" },
    { { "--label", "other", "--folder", "../up", NULL }, 2, "--folder" },
    { { "--label", "other", "--boot", "kernel", NULL }, 2, "--kernel" },
    { { "--label", "other", "--kernel", "/nonexistent/vmlinuz", NULL }, 3, "/nonexistent/vmlinuz" },
    { { "--label", "other", "--bogus", NULL }, 2, "--bogus" },
  };

  ctl (&r, "--base", base, "create", "--label", "web", "--folder", "lab", NULL);
  g_assert_cmpint (r.status, ==, 0);
  before = tree_snapshot (base);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[16] = { ctl_path, "--base", base, "create", NULL };
      guint n = 4;

      for (guint j = 0; cases[i].args[j] != NULL; j++)
        argv[n++] = cases[i].args[j];
      argv[n] = NULL;
      run_clear (&r);
      r.status = hg_test_run (argv, &r.out, &r.err, 30000);
      if (r.status != cases[i].status)
        g_error ("case %u (%s): exit %d, expected %d; stderr: %s", i, cases[i].args[1],
                 r.status, cases[i].status, r.err);
      assert_error_line (&r, "create", cases[i].needle);
      after = tree_snapshot (base);
      g_assert_cmpstr (after, ==, before);   /* nothing left on disk */
      g_clear_pointer (&after, g_free);
    }
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  /* a failure after the temporary directory exists: removed again, and so
   * is the folder made for it */
  {
    g_autofree char *dir1 = hg_test_make_dir ("hgcli-XXXXXX");
    g_autofree char *dir2 = hg_test_make_dir ("hgcli-XXXXXX");
    g_autofree char *kernel = g_build_filename (dir1, "same", NULL);
    g_autofree char *initrd = g_build_filename (dir2, "same", NULL);

    hg_test_write_file (kernel, "k");
    hg_test_write_file (initrd, "i");
    ctl (&r, "--base", base, "create", "--label", "dup", "--folder", "new/deep",
         "--kernel", kernel, "--initrd", initrd, "--copy-in", NULL);
    g_assert_cmpint (r.status, ==, 1);
    assert_error_line (&r, "create", "same");
    after = tree_snapshot (base);
    g_assert_cmpstr (after, ==, before);
    hg_test_remove_tree (dir1);
    hg_test_remove_tree (dir2);
  }
  hg_test_remove_tree (base);
}

/* ---- cmdline ----------------------------------------------------------------- */

static void
test_cmdline (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *emulator = g_find_program_in_path ("qemu-system-x86_64");
  g_autoptr(JsonNode) root = NULL;
  g_auto(Run) r = { 0 };
  JsonArray *args;
  gboolean has_m = FALSE;

  if (emulator == NULL)
    {
      hg_test_skip_or_fail ("qemu-system-x86_64 not installed");
      return;
    }
  ctl (&r, "--base", base, "create", "--label", "cl", "--arch", "x86_64", "--memory", "300",
       "--accel", "tcg", NULL);
  g_assert_cmpint (r.status, ==, 0);

  ctl (&r, "--base", base, "cmdline", "cl", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "qemu-system-x86_64"));
  g_assert_nonnull (strstr (r.out, "-m 300"));
  g_assert_nonnull (strstr (r.out, "guest=cl"));

  ctl (&r, "--base", base, "--json", "cmdline", "cl", NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_json (r.out);
  args = json_node_get_array (root);
  g_assert_true (g_str_has_suffix (json_array_get_string_element (args, 0), "qemu-system-x86_64"));
  for (guint i = 0; i + 1 < json_array_get_length (args); i++)
    if (g_str_equal (json_array_get_string_element (args, i), "-m") &&
        g_str_equal (json_array_get_string_element (args, i + 1), "300"))
      has_m = TRUE;
  g_assert_true (has_m);

  ctl (&r, "--base", base, "cmdline", "cl", "--boot", "cdrom", NULL);
  g_assert_cmpint (r.status, ==, 6);   /* no CD-ROM in the config */
  assert_error_line (&r, "cmdline", NULL);
  ctl (&r, "--base", base, "cmdline", "cl", "--boot", "tape", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_error_line (&r, "cmdline", "tape");
  ctl (&r, "--base", base, "cmdline", "gone", NULL);
  g_assert_cmpint (r.status, ==, 3);
  assert_error_line (&r, "cmdline", "'gone'");

  hg_test_remove_tree (base);
}

/* ---- firmware and TPM ---------------------------------------------------- */

static void
test_create_firmware (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *refused = g_build_filename (base, "pc", NULL);
  g_autofree char *config = g_build_filename (base, "win", "win.hangar", NULL);
  g_autofree char *text = NULL;
  g_auto(Run) r = { 0 };

  /* a value that is not one */
  ctl (&r, "--base", base, "create", "--label", "x", "--firmware", "efi", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--firmware"));
  g_assert_nonnull (strstr (r.err, "efi"));

  /* Secure Boot on i440fx: refused with the reason, nothing made */
  ctl (&r, "--base", base, "create", "--label", "pc", "--machine", "pc",
       "--firmware", "uefi-secure", "--disk-size", "0", NULL);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, "SMM"));
  g_assert_false (g_file_test (refused, G_FILE_TEST_EXISTS));

  /* what Windows 11 needs */
  ctl (&r, "--base", base, "create", "--label", "win", "--firmware", "uefi-secure", "--tpm",
       "--disk-size", "0", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_file_get_contents (config, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "firmware=uefi-secure\n"));
  g_assert_nonnull (strstr (text, "tpm=true\n"));
  ctl (&r, "--base", base, "cmdline", "win", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "smm=on"));
  g_assert_nonnull (strstr (r.out, "nvram-uefi-secure.qcow2"));
  g_assert_nonnull (strstr (r.out, "tpm-crb"));
  hg_test_remove_tree (base);
}

/* ---- check ------------------------------------------------------------------- */

static void
test_check (void)
{
  g_autoptr(JsonNode) root = NULL;
  g_auto(Run) r = { 0 };
  JsonObject *o;
  JsonArray *emulators;
  guint installed = 0;

  ctl (&r, "check", "--json", NULL);
  g_assert_true (r.status == 0 || r.status == 5);
  root = parse_json (r.out);
  o = json_node_get_object (root);
  g_assert_true (json_object_has_member (o, "kvm"));
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "kvm"), "reason"));
  g_assert_true (json_object_has_member (o, "qemu-img"));
  g_assert_true (json_object_has_member (o, "vde_switch"));
  g_assert_true (json_object_has_member (o, "helper"));
  g_assert_true (json_object_has_member (o, "pkexec"));
  g_assert_true (json_object_has_member (o, "swtpm"));
  /* QEMU's firmware descriptors, each naming its files (Debian's ovmf) */
  g_assert_true (json_object_has_member (o, "firmware-descriptors"));
  {
    JsonArray *fws = json_object_get_array_member (o, "firmware-descriptors");
    gboolean x86_secure = FALSE;

    for (guint i = 0; i < json_array_get_length (fws); i++)
      {
        JsonObject *fw = json_array_get_object_element (fws, i);

        g_assert_true (g_file_test (json_object_get_string_member (fw, "executable"), G_FILE_TEST_IS_REGULAR));
        if (json_object_get_boolean_member (fw, "enrolled-keys") &&
            json_object_get_boolean_member (fw, "requires-smm"))
          x86_secure = TRUE;
      }
    if (!x86_secure)
      hg_test_skip_or_fail ("no OVMF with Secure Boot among the firmware descriptors (Debian package ovmf)");
  }
  emulators = json_object_get_array_member (o, "emulators");
  for (guint i = 0; i < json_array_get_length (emulators); i++)
    {
      JsonObject *e = json_array_get_object_element (emulators, i);
      if (json_object_get_boolean_member (e, "installed"))
        {
          installed++;
          g_assert_true (g_file_test (json_object_get_string_member (e, "path"),
                                      G_FILE_TEST_IS_EXECUTABLE));
          /* what it offers, asked of it: machines (with pc/q35 aliases on x86) and CPUs */
          g_assert_true (json_object_has_member (e, "machines"));
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (e, "machines")), >, 0);
          g_assert_true (json_object_has_member (e, "cpus"));
          if (g_str_equal (json_object_get_string_member (e, "arch"), "x86_64"))
            {
              g_assert_cmpstr (json_object_get_string_member (e, "default-machine"), ==, "pc");
              g_assert_true (strstr (r.out, "\"alias\" : \"q35\"") != NULL ||
                             strstr (r.out, "\"alias\":\"q35\"") != NULL);
            }
        }
    }
  g_assert_cmpint (r.status, ==, installed > 0 ? 0 : 5);

  /* HANGAR_ACCEL=tcg (set for the tests) shows */
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "kvm"), "forced-tcg"));

  ctl (&r, "check", NULL);
  g_assert_nonnull (strstr (r.out, "KVM"));
  g_assert_nonnull (strstr (r.out, "qemu-img"));
  if (installed > 0)
    g_assert_nonnull (strstr (r.out, " machines, "));
}

/* ---- import-ctys ----------------------------------------------------------- */

static char *
config_value (const char *path,
              const char *group,
              const char *key)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL));
  return g_key_file_get_string (kf, group, key, NULL);
}

static void
test_import_ctys (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *ctys = g_test_build_filename (G_TEST_DIST, "data", "ctys", "tst323.ctys", NULL);
  g_autofree char *hostile = g_test_build_filename (G_TEST_DIST, "data", "ctys", "hostile.ctys", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_auto(Run) r = { 0 };

  ctl (&r, "import-ctys", ctys, "--base", base, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Created VM 'tst323'"));
  ctl (&r, "--base", base, "--json", "list", NULL);
  root = parse_json (r.out);
  g_assert_nonnull (find_by_label (json_node_get_array (root), "tst323"));
  g_clear_pointer (&root, json_node_unref);

  /* a second import of the same label is refused */
  ctl (&r, "import-ctys", ctys, "--base", base, NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_error_line (&r, "import-ctys", "tst323");
  /* under another name it is fine */
  ctl (&r, "import-ctys", ctys, "--base", base, "--label", "tst323b", NULL);
  g_assert_cmpint (r.status, ==, 0);

  {
    /* a file that carries its UUID, imported twice: the second VM gets a
     * new one, and the report says so */
    g_autofree char *dir = g_build_filename (base, "src", NULL);
    g_autofree char *file = g_build_filename (dir, "withuuid.ctys", NULL);
    g_autofree char *first = g_build_filename (base, "uuida", "uuida.hangar", NULL);
    g_autofree char *second = g_build_filename (base, "uuidb", "uuidb.hangar", NULL);
    g_autofree char *u1 = NULL;
    g_autofree char *u2 = NULL;

    hg_test_write_file (file, "ARCH=x86_64\nMEMSIZE=256\nUUID=5a0c4e2e-1b7d-4c1f-9f4e-0123456789ab\n");
    ctl (&r, "import-ctys", file, "--base", base, "--label", "uuida", NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_null (strstr (r.out, "new uuid"));
    ctl (&r, "import-ctys", file, "--base", base, "--label", "uuidb", NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "already the uuid of"));
    g_assert_nonnull (strstr (r.out, first));
    g_assert_nonnull (strstr (r.out, "the imported VM gets the new uuid"));
    u1 = config_value (first, "machine", "uuid");
    u2 = config_value (second, "machine", "uuid");
    g_assert_cmpstr (u1, ==, "5a0c4e2e-1b7d-4c1f-9f4e-0123456789ab");
    g_assert_nonnull (u2);
    g_assert_cmpstr (u1, !=, u2);
    g_assert_nonnull (strstr (r.out, u2));
    ctl (&r, "--base", base, "list", NULL);
    g_assert_null (strstr (r.out, "same uuid"));
  }

  /* the hostile file: nothing of it runs */
  g_remove ("/tmp/hg-ctys-pwned");
  ctl (&r, "import-ctys", hostile, "--base", base, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_false (g_file_test ("/tmp/hg-ctys-pwned", G_FILE_TEST_EXISTS));

  ctl (&r, "import-ctys", "/nonexistent/x.ctys", "--base", base, NULL);
  g_assert_cmpint (r.status, ==, 3);
  assert_error_line (&r, "import-ctys", "/nonexistent/x.ctys");
  hg_test_remove_tree (base);
}

/* ---- duplicate uuids: cp -r, reidentify ----------------------------------- */

static void
test_duplicate_uuid (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *orig = g_build_filename (base, "twin", NULL);
  g_autofree char *copies = g_build_filename (base, "copies", NULL);
  g_autofree char *copy = g_build_filename (copies, "twin", NULL);
  g_autofree char *orig_conf = g_build_filename (orig, "twin.hangar", NULL);
  g_autofree char *copy_conf = g_build_filename (copy, "twin.hangar", NULL);
  g_autofree char *uuid = NULL;
  g_autofree char *mac = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_auto(Run) r = { 0 };
  JsonArray *array;
  guint n_marked = 0;

  ctl (&r, "--base", base, "create", "--label", "twin", "--net", "user", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (g_mkdir (copies, 0700), ==, 0);
  {
    const char *argv[] = { "cp", "-r", orig, copies, NULL };
    g_assert_cmpint (hg_test_run (argv, NULL, NULL, 10000), ==, 0);
  }
  {
    /* a key Hangar does not know: kept by the new identity's save */
    g_autofree char *text = NULL;
    g_autofree char *more = NULL;

    g_assert_true (g_file_get_contents (copy_conf, &text, NULL, NULL));
    more = g_strconcat (text, "\n# mine\n[custom]\nkept=yes\n", NULL);
    hg_test_write_file (copy_conf, more);
  }
  uuid = config_value (orig_conf, "machine", "uuid");
  mac = config_value (orig_conf, "net:0", "mac");
  g_assert_nonnull (uuid);
  g_assert_nonnull (mac);

  /* both are reported, each naming the other */
  ctl (&r, "--base", base, "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, copy_conf));
  g_assert_nonnull (strstr (r.out, orig_conf));
  g_assert_nonnull (strstr (r.out, "reidentify"));
  ctl (&r, "--base", base, "--json", "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_json (r.out);
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      const char *path = json_object_get_string_member (o, "path");
      const char *other = json_object_get_string_member_with_default (o, "same-uuid-as", NULL);

      g_assert_nonnull (other);
      g_assert_cmpstr (other, ==, g_str_equal (path, orig_conf) ? copy_conf : orig_conf);
      n_marked++;
    }
  g_assert_cmpuint (n_marked, ==, 2);
  g_clear_pointer (&root, json_node_unref);
  ctl (&r, "--base", base, "info", copy, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "the same uuid as"));
  g_assert_nonnull (strstr (r.out, orig_conf));
  ctl (&r, "--base", base, "--json", "info", orig, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"same-uuid-as\""));

  /* the copy gets a new uuid and MAC; the original keeps its own */
  ctl (&r, "--base", base, "reidentify", copy, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "VM 'twin' has a new identity"));
  g_assert_nonnull (strstr (r.out, uuid));
  {
    g_autofree char *new_uuid = config_value (copy_conf, "machine", "uuid");
    g_autofree char *new_mac = config_value (copy_conf, "net:0", "mac");
    g_autofree char *kept = config_value (copy_conf, "custom", "kept");
    g_autofree char *orig_uuid = config_value (orig_conf, "machine", "uuid");

    g_assert_nonnull (new_uuid);
    g_assert_cmpstr (new_uuid, !=, uuid);
    g_assert_nonnull (strstr (r.out, new_uuid));
    g_assert_nonnull (new_mac);
    g_assert_cmpstr (new_mac, !=, mac);
    g_assert_cmpstr (kept, ==, "yes");
    g_assert_cmpstr (orig_uuid, ==, uuid);
  }
  /* create makes a uuid of its own every time */
  ctl (&r, "--base", base, "create", "--label", "third", "--net", "user", NULL);
  g_assert_cmpint (r.status, ==, 0);
  ctl (&r, "--base", base, "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "third"));
  g_assert_null (strstr (r.out, "same uuid"));
  ctl (&r, "--base", base, "--json", "info", copy, NULL);
  g_assert_null (strstr (r.out, "same-uuid-as"));

  /* bad input */
  ctl (&r, "--base", base, "reidentify", "nope", NULL);
  g_assert_cmpint (r.status, ==, 3);
  assert_error_line (&r, "reidentify", "'nope'");
  ctl (&r, "--base", base, "reidentify", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_error_line (&r, "reidentify", NULL);
  hg_test_remove_tree (base);
}

/* ---- global usage -------------------------------------------------------- */

static void
test_usage (void)
{
  const char *commands[] = { "list", "info", "create", "import-ctys", "cmdline", "check", "switch" };
  g_auto(Run) r = { 0 };

  ctl (&r, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, PACKAGE_VERSION));
  ctl (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_assert_nonnull (strstr (r.out, commands[i]));
  g_assert_nonnull (strstr (r.out, "--base"));
  ctl (&r, "create", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "--disk-size"));

  ctl (&r, NULL);
  g_assert_cmpint (r.status, ==, 2);
  ctl (&r, "frobnicate", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_error_line (&r, "frobnicate", "unknown command");
  ctl (&r, "--nope", "list", NULL);
  g_assert_cmpint (r.status, ==, 2);
  ctl (&r, "list", "extra", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_error_line (&r, "list", "extra");
}

/* ---- the library scan, in-process ------------------------------------------ */

static void
make_vm (const char *base,
         const char *rel_dir,
         const char *label)
{
  g_autoptr(HgVmConfig) config = hg_vm_config_new (label);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (base, rel_dir, label, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  hg_vm_config_set_location (config, dir);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
}

static void
test_scan (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *loop = g_build_filename (base, "lab", "loop", NULL);
  g_autofree char *in_vm = g_build_filename (base, "top", "nested", NULL);
  g_autofree char *broken = g_build_filename (base, "lab", "x", "x.hangar", NULL);
  const char *bases[] = { base, NULL };
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) part = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  HgLibraryEntry *e;

  make_vm (base, "", "top");
  make_vm (base, "lab", "a");
  make_vm (base, "lab/deep/er", "b");
  make_vm (base, ".hidden", "c");             /* hidden: skipped */
  make_vm (base, "top", "nested");             /* inside a VM: not looked at */
  hg_test_write_file (broken, "[machine]\nlabel=other\narch=x86_64\n");
  g_assert_cmpint (symlink ("..", loop), ==, 0);   /* a loop */
  g_assert_true (g_file_test (in_vm, G_FILE_TEST_IS_DIR));

  entries = hg_library_scan (bases, NULL);
  g_assert_cmpuint (entries->len, ==, 4);
  /* sorted by folder, then label */
  e = g_ptr_array_index (entries, 0);
  g_assert_cmpstr (e->label, ==, "top");
  g_assert_cmpstr (e->folder, ==, "");
  g_assert_nonnull (e->config);
  e = g_ptr_array_index (entries, 1);
  g_assert_cmpstr (e->label, ==, "a");
  g_assert_cmpstr (e->folder, ==, "lab");
  e = g_ptr_array_index (entries, 2);
  g_assert_cmpstr (e->label, ==, "x");
  g_assert_null (e->config);
  g_assert_nonnull (e->error);
  g_assert_cmpstr (e->path, ==, broken);
  e = g_ptr_array_index (entries, 3);
  g_assert_cmpstr (e->label, ==, "b");
  g_assert_cmpstr (e->folder, ==, "lab/deep/er");
  g_assert_cmpstr (e->config->label, ==, "b");

  /* one subtree */
  part = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_library_entry_free);
  hg_library_scan_folder (base, "lab/deep", part, NULL);
  g_assert_cmpuint (part->len, ==, 1);
  e = g_ptr_array_index (part, 0);
  g_assert_cmpstr (e->folder, ==, "lab/deep/er");

  /* lookup */
  config = hg_library_lookup (bases, "b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->label, ==, "b");
  g_clear_pointer (&config, hg_vm_config_unref);
  config = hg_library_lookup (bases, "c", &error);
  g_assert_error (error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, base));
  g_clear_error (&error);
  config = hg_library_lookup (bases, "x", &error);
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL);
  g_clear_error (&error);
  g_assert_null (config);

  {
    g_autofree char *found = hg_library_find_label (base, "b");
    g_assert_nonnull (found);
    g_assert_true (g_str_has_suffix (found, "/lab/deep/er/b/b.hangar"));
  }

  /* a base that does not exist is empty, not an error */
  {
    const char *none[] = { "/nonexistent/hangar", NULL };
    g_autoptr(GPtrArray) empty = hg_library_scan (none, NULL);
    g_assert_cmpuint (empty->len, ==, 0);
  }
  {
    g_auto(GStrv) defaults = hg_library_default_bases ();
    g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "hangar", "vms", NULL);
    g_assert_cmpstr (defaults[0], ==, expected);
  }
  g_unlink (loop);
  hg_test_remove_tree (base);
}

/* ---- the trust boundary, as hangarctl shows it --------------------------- */

/* A port nobody listens on now (the kernel's choice) */
static guint16
free_port (int type)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, type, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

/* The local addresses (as /proc/net shows them, "0100007F") of the sockets
 * bound to port in /proc/net/<table> (tcp: listening ones only) */
static GPtrArray *
bound_addresses (const char *table,
                 guint16     port)
{
  g_autofree char *path = g_build_filename ("/proc/net", table, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *suffix = g_strdup_printf (":%04X", port);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();

      for (guint j = 0; f[j] != NULL; j++)
        if (*f[j] != '\0')
          g_ptr_array_add (fields, f[j]);
      if (fields->len < 4 || !g_str_has_suffix (fields->pdata[1], suffix))
        continue;
      if (g_str_equal (table, "tcp") && !g_str_equal (fields->pdata[3], "0A"))
        continue;   /* not LISTEN */
      g_ptr_array_add (found, g_strndup (fields->pdata[1], strlen (fields->pdata[1]) - 5));
    }
  return found;
}

/* Starts a tiny VM whose user-mode NIC forwards a TCP and a UDP port, as
 * `hangarctl create --forward tcp:P:22` writes it; returns QEMU's pid. */
static int
start_forwarding_vm (const char  *label,
                     guint16      tcp_port,
                     guint16      udp_port,
                     char       **base_out)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", label, base_out);
  g_autoptr(GError) error = NULL;
  g_auto(Run) r = { 0 };
  HgNic *nic;
  HgHostFwd *fwd;
  const char *pid;

  if (config == NULL)
    return 0;
  nic = hg_nic_new (HG_NET_USER);
  fwd = g_new0 (HgHostFwd, 1);
  fwd->proto = g_strdup ("tcp");
  fwd->host_port = tcp_port;
  fwd->guest_port = 22;
  g_ptr_array_add (nic->hostfwd, fwd);
  fwd = g_new0 (HgHostFwd, 1);
  fwd->proto = g_strdup ("udp");
  fwd->host_port = udp_port;
  fwd->guest_port = 53;
  g_ptr_array_add (nic->hostfwd, fwd);
  g_ptr_array_add (config->nics, nic);
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);

  ctl (&r, "--base", *base_out, "start", label, NULL);
  if (r.status != 0)
    g_error ("start: exit %d: %s", r.status, r.err);
  pid = strstr (r.out, "(pid ");
  g_assert_nonnull (pid);
  return atoi (pid + 5);
}

static void
stop_vm (const char *base,
         const char *label)
{
  g_auto(Run) r = { 0 };

  ctl (&r, "--base", base, "kill", label, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

/* A forward written without an address listens on 127.0.0.1 only, for TCP
 * and for UDP: nobody else on the network reaches the guest's port. */
static void
test_forward_loopback (void)
{
  g_autofree char *base = NULL;
  guint16 tcp_port = free_port (SOCK_STREAM);
  guint16 udp_port = free_port (SOCK_DGRAM);
  g_autoptr(GPtrArray) tcp = NULL;
  g_autoptr(GPtrArray) udp = NULL;
  int pid = start_forwarding_vm ("fwd", tcp_port, udp_port, &base);

  if (pid == 0)
    {
      hg_test_skip_or_fail ("the tiny guest is not built");
      return;
    }
  g_assert_cmpint (pid, >, 0);
  tcp = bound_addresses ("tcp", tcp_port);
  udp = bound_addresses ("udp", udp_port);
  stop_vm (base, "fwd");

  g_assert_cmpuint (tcp->len, ==, 1);
  g_assert_cmpstr (tcp->pdata[0], ==, "0100007F");
  g_assert_cmpuint (udp->len, ==, 1);
  g_assert_cmpstr (udp->pdata[0], ==, "0100007F");
  /* nothing on the IPv6 side either */
  {
    g_autoptr(GPtrArray) tcp6 = bound_addresses ("tcp6", tcp_port);
    g_assert_cmpuint (tcp6->len, ==, 0);
  }
  hg_test_remove_tree (base);
}

/* QEMU gets a clean environment, not the caller's: a variable set for
 * hangarctl (a token, a proxy, LD_PRELOAD) does not reach it, and its PATH
 * is Hangar's fixed one. */
static void
test_start_environment (void)
{
  g_autofree char *base = NULL;
  g_autofree char *environ_path = NULL;
  g_autofree char *environ_text = NULL;
  g_autoptr(GPtrArray) vars = g_ptr_array_new ();
  gsize len = 0;
  int pid;

  g_setenv ("HANGAR_TEST_SECRET_TOKEN", "marker-5f3a", TRUE);
  g_setenv ("LANG", "C.UTF-8", TRUE);
  pid = start_forwarding_vm ("envvm", free_port (SOCK_STREAM), free_port (SOCK_DGRAM), &base);
  g_unsetenv ("HANGAR_TEST_SECRET_TOKEN");
  if (pid == 0)
    {
      hg_test_skip_or_fail ("the tiny guest is not built");
      return;
    }
  environ_path = g_strdup_printf ("/proc/%d/environ", pid);
  g_assert_true (g_file_get_contents (environ_path, &environ_text, &len, NULL));
  stop_vm (base, "envvm");

  for (const char *p = environ_text; p < environ_text + len; p += strlen (p) + 1)
    g_ptr_array_add (vars, (gpointer) p);
  g_assert_cmpuint (vars->len, >, 0);
  for (guint i = 0; i < vars->len; i++)
    {
      const char *var = vars->pdata[i];

      if (strstr (var, "marker-5f3a") != NULL)
        g_error ("QEMU's environment has the caller's %s", var);
      if (g_str_has_prefix (var, "PATH="))
        g_assert_cmpstr (var, ==, "PATH=" HG_SPAWN_PATH);
    }
  g_assert_true (g_ptr_array_find_with_equal_func (vars, "LANG=C.UTF-8", g_str_equal, NULL));
  hg_test_remove_tree (base);
}

/* No line of the file at path appears in text */
static void
assert_no_line_of (const char *text,
                   const char *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *head = g_strndup (lines[i], 12);

      /* a line, or the start of one: "root:*:2025" */
      if (strlen (head) >= 5 && strstr (text, head) != NULL)
        g_error ("the output quotes line %u of %s: «%s»", i + 1, path, text);
    }
}

/* A <label>.hangar that is a symlink (out of the library), not a regular
 * file, or another user's file is refused by list and info, and nothing of
 * its content is printed. */
static void
test_config_not_followed (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *secret = g_build_filename (base, "secret.txt", NULL);
  g_autofree char *leak_dir = g_build_filename (base, "leak", NULL);
  g_autofree char *leak = g_build_filename (leak_dir, "leak.hangar", NULL);
  g_autofree char *mine_dir = g_build_filename (base, "mine", NULL);
  g_autofree char *mine = g_build_filename (mine_dir, "mine.hangar", NULL);
  g_autofree char *fifo_dir = g_build_filename (base, "pipe", NULL);
  g_autofree char *fifo = g_build_filename (fifo_dir, "pipe.hangar", NULL);
  g_autofree char *other_dir = g_build_filename (base, "other", NULL);
  g_autofree char *other = g_build_filename (other_dir, "other.hangar", NULL);
  g_autofree char *real = g_build_filename (base, "real.hangar", NULL);
  const char *targets[] = { "/etc/shadow", secret };
  g_auto(Run) r = { 0 };

  /* not a config at all: what a symlink would show if it were read */
  hg_test_write_file (secret, "SECRET-1 private key material\n[machine]\nlabel=x SECRET-2\n");
  g_assert_cmpint (g_chmod (secret, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (mine_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (fifo_dir, 0700), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  /* a symlink to a good config is refused too: the file must be there */
  hg_test_write_file (real, "[machine]\nlabel=mine\narch=x86_64\n");
  g_assert_cmpint (symlink ("../real.hangar", mine), ==, 0);
  /* another user's config, with its secret inside a value (only root can
   * give a file away) */
  if (getuid () == 0)
    {
      hg_test_write_file (other, "[machine]\nlabel=other\narch=x86_64\nmemory=SECRET-3\n");
      g_assert_cmpint (chown (other, 65534, 65534), ==, 0);
    }

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_assert_cmpint (g_mkdir_with_parents (leak_dir, 0700), ==, 0);
      g_unlink (leak);
      g_assert_cmpint (symlink (targets[i], leak), ==, 0);

      ctl (&r, "--base", base, "list", NULL);
      assert_no_line_of (r.out, targets[i]);
      assert_no_line_of (r.err, targets[i]);
      g_assert_null (strstr (r.out, "SECRET"));
      g_assert_null (strstr (r.err, "SECRET"));
      g_assert_nonnull (strstr (r.out, leak));
      g_assert_nonnull (strstr (r.out, "symbolic link"));

      ctl (&r, "--base", base, "--json", "list", NULL);
      assert_no_line_of (r.out, targets[i]);
      g_assert_null (strstr (r.out, "SECRET"));

      ctl (&r, "--base", base, "info", "leak", NULL);
      g_assert_cmpint (r.status, !=, 0);
      assert_no_line_of (r.out, targets[i]);
      assert_no_line_of (r.err, targets[i]);
      g_assert_null (strstr (r.err, "SECRET"));
      g_assert_nonnull (strstr (r.err, "symbolic link"));

      ctl (&r, "info", leak, NULL);
      g_assert_cmpint (r.status, !=, 0);
      assert_no_line_of (r.err, targets[i]);
      g_assert_null (strstr (r.err, "SECRET"));
    }

  ctl (&r, "--base", base, "info", "mine", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_error_line (&r, "info", "symbolic link");
  ctl (&r, "--base", base, "info", "pipe", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_error_line (&r, "info", "not a regular file");
  if (getuid () == 0)
    {
      ctl (&r, "--base", base, "info", "other", NULL);
      g_assert_cmpint (r.status, ==, 1);
      assert_error_line (&r, "info", "another user");
      g_assert_null (strstr (r.err, "SECRET"));
    }
  hg_test_remove_tree (base);
}

/* tree_snapshot in a fixed order: a temporary directory made and removed
 * again may change the order readdir gives */
static int
compare_lines (const void *a,
               const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static char *
sorted_tree (const char *dir)
{
  g_autofree char *tree = tree_snapshot (dir);
  g_auto(GStrv) lines = g_strsplit (tree, "\n", -1);

  qsort (lines, g_strv_length (lines), sizeof (char *), compare_lines);
  return g_strjoinv ("\n", lines);
}

/* Every error names the option that is wrong, not a neighbour of it, also
 * when the value is not UTF-8 (as GOption alone would not). */
static void
test_errors_name_option (void)
{
  g_autofree char *base = hg_test_make_dir ("hgcli-XXXXXX");
  g_autofree char *kernel = g_build_filename (base, "vmlinuz", NULL);
  g_autofree char *iso = g_build_filename (base, "x.iso", NULL);
  g_autofree char *ctys = g_test_build_filename (G_TEST_DIST, "data", "ctys", "tst323.ctys", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *bad = "a\xff\xfe";
  g_auto(Run) r = { 0 };
  struct {
    const char *args[10];
    const char *command;
    const char *flag;   /* the error starts with it */
  } cases[] = {
    { { "create", "--label", "a", "--kernel", kernel, "--append", "quiet\001", NULL }, "create", "--append" },
    { { "create", "--label", "a", "--keymap", "de\001", NULL }, "create", "--keymap" },
    { { "create", "--label", "a", "--machine", "q35,x=y", NULL }, "create", "--machine" },
    { { "create", "--label", "a", "--cpu", "max\001", NULL }, "create", "--cpu" },
    { { "create", "--label", "a", "--switch", "../x", NULL }, "create", "--switch" },
    { { "create", "--label", "a", "--tap", "x,y", NULL }, "create", "--tap" },
    { { "create", "--label", "a", "--nic-model", "e1000,x=y", NULL }, "create", "--nic-model" },
    { { "create", "--label", "a", "--kernel", kernel, "--initrd", "/etc", NULL }, "create", "--initrd" },
    { { "create", "--label", "a", "--dir", "/proc/1", NULL }, "create", "--dir" },
    { { "create", "--label", "a", "--forward", "tcp:localhost:1:2", NULL }, "create", "--forward" },
    { { "create", "--label", bad, NULL }, "create", "--label" },
    { { "create", "--label", "a", "--keymap", bad, NULL }, "create", "--keymap" },
    { { "create", "--label", "a", "--kernel", kernel, "--append", bad, NULL }, "create", "--append" },
    { { "create", "--label", "a", "--os", bad, NULL }, "create", "--os" },
    { { "create", "--label", "a", "--disk-bus", bad, NULL }, "create", "--disk-bus" },
    { { "create", "--label", "a", "--console", bad, NULL }, "create", "--console" },
    { { "create", "--label", "a", "--accel", bad, NULL }, "create", "--accel" },
    { { "create", "--label", "a", "--net", bad, NULL }, "create", "--net" },
    { { "create", "--label", "a", "--memory", bad, NULL }, "create", "--memory" },
    { { "create", "--label", "a", "--folder", bad, NULL }, "create", "--folder" },
    { { "create", "--label", "a", "--forward", bad, NULL }, "create", "--forward" },
    { { "create", "--label=a", "--mac", bad, NULL }, "create", "--mac" },
    { { "import-ctys", "--label", "../x", ctys, NULL }, "import-ctys", "--label" },
    { { "import-ctys", "--label", bad, ctys, NULL }, "import-ctys", "--label" },
    { { "import-ctys", "--folder", "../x", ctys, NULL }, "import-ctys", "--folder" },
    { { "cmdline", "v", "--boot", bad, NULL }, "cmdline", "--boot" },
    { { "start", "v", "--boot", "fast", NULL }, "start", "--boot" },
    { { "media", "v", "change", "--format", "vmdk2", iso, NULL }, "media", "--format" },
    { { "media", "v", "list", "--format", "raw", NULL }, "media", "--format" },
    { { "media", "v", "list", "--force", NULL }, "media", "--force" },
    { { "media", "v", "change", "--format", bad, iso, NULL }, "media", "--format" },
  };

  hg_test_write_file (kernel, "k");
  hg_test_write_file (iso, "i");
  ctl (&r, "--base", base, "create", "--label", "v", NULL);
  g_assert_cmpint (r.status, ==, 0);
  before = sorted_tree (base);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[16] = { ctl_path, "--base", base, NULL };
      g_autofree char *prefix = g_strdup_printf ("hangarctl: %s: %s", cases[i].command, cases[i].flag);
      guint n = 3;

      for (guint j = 0; cases[i].args[j] != NULL; j++)
        argv[n++] = cases[i].args[j];
      argv[n] = NULL;
      run_clear (&r);
      r.status = hg_test_run (argv, &r.out, &r.err, 30000);
      if (r.status != 2 || !g_str_has_prefix (r.err, prefix) || !g_utf8_validate (r.err, -1, NULL))
        g_error ("case %u (%s %s): exit %d, stderr «%s», expected exit 2 and «%s…»", i,
                 cases[i].command, cases[i].flag, r.status, r.err, prefix);
      assert_error_line (&r, cases[i].command, NULL);
      after = sorted_tree (base);
      g_assert_cmpstr (after, ==, before);
      g_clear_pointer (&after, g_free);
    }

  /* a name or path that is not UTF-8 is shown as text, not printed raw */
  ctl (&r, "--base", base, "info", bad, NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_true (g_utf8_validate (r.err, -1, NULL));
  assert_error_line (&r, "info", NULL);
  ctl (&r, "import-ctys", "/nonexistent/\xff.ctys", NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_true (g_utf8_validate (r.err, -1, NULL));
  assert_error_line (&r, "import-ctys", "/nonexistent/");

  /* a library base that cannot be written is the base's fault */
  ctl (&r, "--base", "/proc/1", "create", "--label", "a", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_error_line (&r, "create", "--base");
  g_assert_null (strstr (r.err, "--folder"));
  hg_test_remove_tree (base);
}

/* The README's quick reference is the real syntax: each line's arguments
 * (options aside) are what `hangarctl COMMAND --help` says, in its order,
 * and every command hangarctl has is there. */
static void
test_readme_reference (void)
{
  g_autofree char *readme = g_build_filename (g_getenv ("HANGAR_SOURCE_ROOT"), "README.md", NULL);
  g_autofree char *text = NULL;
  g_autofree char *block = NULL;
  g_autoptr(GRegex) options = g_regex_new ("\\[--[^]]*\\]|\\[OPTIONS\\]|--[a-z-]+ [A-Z]+", 0, 0, NULL);
  g_autoptr(GRegex) spaces = g_regex_new (" +", 0, 0, NULL);
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = NULL;
  g_auto(Run) r = { 0 };
  const char *start, *end;

  g_setenv ("LANG", "C.UTF-8", TRUE);   /* the help's "…" as the README writes it */
  g_unsetenv ("LC_ALL");
  g_assert_true (g_file_get_contents (readme, &text, NULL, NULL));
  start = strstr (text, "## hangarctl quick reference");
  g_assert_nonnull (start);
  start = strstr (start, "```\n");
  g_assert_nonnull (start);
  start += 4;
  end = strstr (start, "```");
  g_assert_nonnull (end);
  block = g_strndup (start, end - start);
  lines = g_strsplit (block, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *synopsis = NULL;
      g_autofree char *bare = NULL;
      g_autofree char *collapsed = NULL;
      g_autofree char *usage_start = NULL;
      const char *gap, *params, *usage, *want;
      char *cmd;

      if (!g_str_has_prefix (lines[i], "  ") || lines[i][2] == ' ')
        continue;
      gap = strstr (lines[i] + 2, "  ");
      synopsis = gap != NULL ? g_strndup (lines[i] + 2, gap - (lines[i] + 2)) : g_strdup (lines[i] + 2);
      bare = g_regex_replace_literal (options, synopsis, -1, 0, "", 0, NULL);
      collapsed = g_regex_replace_literal (spaces, bare, -1, 0, " ", 0, NULL);
      g_strstrip (collapsed);
      cmd = g_strdup (collapsed);
      if (strchr (cmd, ' ') != NULL)
        *strchr (cmd, ' ') = '\0';
      params = collapsed + strlen (cmd);
      while (*params == ' ')
        params++;
      g_hash_table_add (listed, cmd);

      ctl (&r, cmd, "--help", NULL);
      g_assert_cmpint (r.status, ==, 0);
      usage_start = g_strdup_printf ("hangarctl %s [OPTION", cmd);
      usage = strstr (r.out, usage_start);
      if (usage == NULL)
        g_error ("README: `%s`: no usage line in its --help: %s", cmd, r.out);
      usage = strstr (usage, "] ") != NULL && strstr (usage, "] ") < strchr (usage, '\n')
              ? strstr (usage, "] ") + 2 : strchr (usage, '\n');
      {
        g_autofree char *expected = g_strndup (usage, strchr (usage, '\n') - usage);

        g_strstrip (expected);
        want = expected;
        if (g_strcmp0 (params, want) != 0)
          g_error ("README: `%s` has «%s», hangarctl %s --help says «%s»", synopsis, params, cmd, want);
      }
    }

  ctl (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  start = strstr (r.out, "Commands:");
  g_assert_nonnull (start);
  {
    g_auto(GStrv) commands = g_strsplit (start, "\n", -1);
    guint n = 0;

    for (guint i = 1; commands[i] != NULL; i++)
      {
        g_auto(GStrv) words = NULL;

        if (!g_str_has_prefix (commands[i], "  "))
          break;
        words = g_strsplit (g_strstrip (commands[i]), " ", 2);
        if (!g_hash_table_contains (listed, words[0]))
          g_error ("README's quick reference lacks `%s`", words[0]);
        n++;
      }
    g_assert_cmpuint (n, >=, 15);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);

  /* the children must not see the user's own library or runtime */
  home = g_dir_make_tmp ("hgclih-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  hg_test_runtime_init ();

  ctl_path = hg_test_hangarctl_path ();
  if (ctl_path == NULL)
    g_error ("hangarctl is not built (HANGAR_BUILD_ROOT=%s)", g_getenv ("HANGAR_BUILD_ROOT"));

  g_test_add_func ("/hangar/cli/usage", test_usage);
  g_test_add_func ("/hangar/cli/list", test_list);
  g_test_add_func ("/hangar/cli/info", test_info);
  g_test_add_func ("/hangar/cli/create-defaults", test_create_defaults);
  g_test_add_func ("/hangar/cli/create-refused", test_create_refused);
  g_test_add_func ("/hangar/cli/default-base", test_default_base);
  g_test_add_func ("/hangar/cli/cmdline", test_cmdline);
  g_test_add_func ("/hangar/cli/check", test_check);
  g_test_add_func ("/hangar/cli/create-firmware", test_create_firmware);
  g_test_add_func ("/hangar/cli/import-ctys", test_import_ctys);
  g_test_add_func ("/hangar/cli/duplicate-uuid", test_duplicate_uuid);
  g_test_add_func ("/hangar/library/scan", test_scan);
  g_test_add_func ("/hangar/cli/forward-loopback", test_forward_loopback);
  g_test_add_func ("/hangar/cli/config-not-followed", test_config_not_followed);
  g_test_add_func ("/hangar/cli/start-environment", test_start_environment);
  g_test_add_func ("/hangar/cli/errors-name-option", test_errors_name_option);
  g_test_add_func ("/hangar/cli/readme-reference", test_readme_reference);

  rc = g_test_run ();
  hg_test_runtime_cleanup ();
  hg_test_remove_tree (home);
  g_free (ctl_path);
  return rc;
}
