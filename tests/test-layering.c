/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hg-test-skip.h"

/*
 * The window and its dialogs are views: what a VM is and does lives in
 * core (HgVm, HgVmManager, hg-proc.c).  So src/ui/ holds no /proc
 * parsing, no process locks, no QMP commands written by hand and no data
 * hung on objects by name (qdata): each is a fact or an action that a
 * second view (hangarctl, a remote host) would have to copy.  Every
 * such line found is named with its file and line.
 */

typedef struct {
  const char *pattern;
  const char *what;
} Rule;

static const Rule rules[] = {
  { "\"/proc[/\"]", "reads /proc (hg-proc.c does)" },
  { "\\b(flock|lockf|hg_process_lock|hg_process_unlock|hg_proc_lock_file|hg_proc_unlock_file)\\s*\\(",
    "takes a process lock (core does)" },
  { "\\bF_(SETLK|SETLKW|OFD_SETLK|OFD_SETLKW)\\b", "takes a process lock (core does)" },
  { "\\bhg_qmp_client_execute\\w*\\s*\\(", "sends a raw QMP command (HgVm and HgVmManager do)" },
  { "\\bg_object_(set|get|steal|dup|replace)_q?data(_full)?\\s*\\(",
    "hangs data on an object (a field or an HgVm property instead)" },
};

/* "file:line: what" for every line of the .c/.h files under dir (named
 * relative to root) that breaks a rule */
static void
check_dir (const char *root,
           const char *dir,
           GRegex    **regexes,
           GPtrArray  *found)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint n = 0; n < names->len; n++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, n), NULL);
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          check_dir (root, path, regexes, found);
          continue;
        }
      if (!g_str_has_suffix (path, ".c") && !g_str_has_suffix (path, ".h"))
        continue;
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      lines = g_strsplit (text, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
          if (g_regex_match (regexes[r], lines[l], 0, NULL))
            g_ptr_array_add (found, g_strdup_printf ("%s:%u: %s: %s", path + strlen (root) + 1,
                                                     l + 1, rules[r].what, g_strstrip (lines[l])));
    }
}

static GPtrArray *
check_tree (const char *root,
            const char *sub)
{
  g_autofree char *dir = g_build_filename (root, sub, NULL);
  GRegex *regexes[G_N_ELEMENTS (rules)];
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);

  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    {
      g_autoptr(GError) error = NULL;

      regexes[r] = g_regex_new (rules[r].pattern, G_REGEX_OPTIMIZE, 0, &error);
      g_assert_no_error (error);
    }
  check_dir (root, dir, regexes, found);
  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    g_regex_unref (regexes[r]);
  return found;
}

static void
test_ui_is_a_view (void)
{
  const char *root = g_getenv ("HANGAR_SOURCE_ROOT");
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GString) report = g_string_new (NULL);

  if (root == NULL)
    {
      hg_test_skip_or_fail ("HANGAR_SOURCE_ROOT is not set (run through meson test)");
      return;
    }
  found = check_tree (root, "src/ui");
  for (guint i = 0; i < found->len; i++)
    g_string_append_printf (report, "\n  %s", (char *) g_ptr_array_index (found, i));
  if (found->len > 0)
    g_error ("src/ui/ does what core should (move it into HgVm, HgVmManager or hg-proc.c):%s",
             report->str);
}

/* The check itself: each kind of line is found and named */
static void
test_rules_catch (void)
{
  g_autofree char *root = g_dir_make_tmp ("hglayer-XXXXXX", NULL);
  g_autofree char *ui = g_build_filename (root, "src", "ui", NULL);
  g_autofree char *bad = g_build_filename (ui, "hg-bad.c", NULL);
  g_autofree char *fine = g_build_filename (ui, "hg-fine.ui", NULL);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  const char *text =
    "/* a comment about flock without a call is fine */\n"
    "  stat = read_file (\"/proc/self/stat\");\n"
    "  fd = flock (fd, LOCK_EX);\n"
    "  hg_qmp_client_execute_async (qmp, \"query-kvm\", NULL, NULL, cb, vm);\n"
    "  g_object_set_data_full (G_OBJECT (vm), \"hg-x\", x, g_free);\n"
    "  x = g_object_get_qdata (G_OBJECT (vm), quark);\n";

  g_assert_cmpint (g_mkdir_with_parents (ui, 0700), ==, 0);
  g_assert_true (g_file_set_contents (bad, text, -1, &error));
  g_assert_true (g_file_set_contents (fine, "g_object_set_data (x)\n", -1, &error));
  g_assert_no_error (error);
  found = check_tree (root, "src/ui");
  g_assert_cmpuint (found->len, ==, 5);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (found, 0), "src/ui/hg-bad.c:2: reads /proc"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (found, 1), "src/ui/hg-bad.c:3: takes a process lock"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (found, 2), "src/ui/hg-bad.c:4: sends a raw QMP"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (found, 3), "src/ui/hg-bad.c:5: hangs data"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (found, 4), "src/ui/hg-bad.c:6: hangs data"));
  g_unlink (bad);
  g_unlink (fine);
  g_rmdir (ui);
  {
    g_autofree char *src = g_path_get_dirname (ui);

    g_rmdir (src);
  }
  g_rmdir (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/layering/rules-catch", test_rules_catch);
  g_test_add_func ("/hangar/layering/ui-is-a-view", test_ui_is_a_view);

  return g_test_run ();
}
