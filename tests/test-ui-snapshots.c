/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <gtk/gtk.h>

#include "hg-snapshots-dialog.h"
#include "hg-test-skip.h"
#include "hg-test-ui.h"
#include "hg-test-vm.h"

/*
 * The snapshot tree in the Snapshots dialog, under Xvfb, on a stopped VM
 * with a qcow2 disk (its snapshots taken with qemu-img): take, revert
 * (the question says what is lost), take a sibling, rename, delete a
 * middle one; the GtkTreeStore holds each snapshot under its parent and
 * "You are here" under the current one.  HANGAR_SCREENSHOT_DIR keeps
 * dialog-snapshot-tree.png.
 */

#define DEADLINE_MS 60000

static GtkWidget *
child (gpointer dialog, const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (dialog), HG_TYPE_SNAPSHOTS_DIALOG,
                                                   name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static gboolean
idle (gpointer dialog)
{
  return !hg_snapshots_dialog_is_busy (dialog);
}

static void
take (HgSnapshotsDialog *dialog, const char *name, const char *description)
{
  gtk_entry_set_text (GTK_ENTRY (child (dialog, "name_entry")), name);
  gtk_entry_set_text (GTK_ENTRY (child (dialog, "description_entry")), description);
  gtk_button_clicked (GTK_BUTTON (child (dialog, "take_button")));
  g_assert_true (hg_test_wait_until (idle, dialog, DEADLINE_MS));
  g_assert_cmpstr (hg_snapshots_dialog_get_error (dialog), ==, NULL);
}

static void
answer (HgSnapshotsDialog *dialog, const char *detail_part, int response)
{
  GtkDialog *question = hg_snapshots_dialog_get_confirmation (dialog);
  g_autofree char *detail = NULL;

  g_assert_nonnull (question);
  g_object_get (question, "secondary-text", &detail, NULL);
  g_test_message ("question: %s", detail);
  g_assert_nonnull (strstr (detail, detail_part));
  gtk_dialog_response (question, response);
  g_assert_true (hg_test_wait_until (idle, dialog, DEADLINE_MS));
  g_assert_cmpstr (hg_snapshots_dialog_get_error (dialog), ==, NULL);
}

/* The rows of the store as "name(child,child)" text, depth first */
static void
describe (GtkTreeModel *model, GtkTreeIter *parent, GString *out)
{
  GtkTreeIter iter;

  if (!gtk_tree_model_iter_children (model, &iter, parent))
    return;
  do
    {
      g_autofree char *name = NULL;

      gtk_tree_model_get (model, &iter, 1, &name, -1);
      if (out->len > 0 && out->str[out->len - 1] != '(')
        g_string_append_c (out, ' ');
      g_string_append (out, name);
      if (gtk_tree_model_iter_has_child (model, &iter))
        {
          g_string_append_c (out, '(');
          describe (model, &iter, out);
          g_string_append_c (out, ')');
        }
    }
  while (gtk_tree_model_iter_next (model, &iter));
}

static char *
shape (HgSnapshotsDialog *dialog)
{
  GtkTreeView *view = GTK_TREE_VIEW (child (dialog, "view"));
  GString *out = g_string_new (NULL);

  describe (gtk_tree_view_get_model (view), NULL, out);
  return g_strstrip (g_string_free (out, FALSE));
}

static void
test_tree (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", "uitree", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *text = NULL;
  HgSnapshotsDialog *dialog;
  const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", NULL, "4M", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  disk = g_build_filename (config->dir, "uitree.qcow2", NULL);
  argv[5] = disk;
  g_assert_cmpint (hg_test_run (argv, &out, &err, 30000), ==, 0);
  g_ptr_array_add (config->disks, hg_disk_new ("uitree.qcow2", "qcow2", NULL));
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  vm = hg_vm_new_for_config (config);

  dialog = hg_snapshots_dialog_new (NULL, vm);
  gtk_widget_show (GTK_WIDGET (dialog));
  hg_test_ui_flush ();
  g_assert_true (hg_test_wait_until (idle, dialog, DEADLINE_MS));
  g_assert_cmpstr (hg_snapshots_dialog_get_error (dialog), ==, NULL);
  /* stopped: usable, with the note that only the disks are kept */
  g_assert_true (gtk_widget_get_visible (child (dialog, "note_label")));
  g_assert_true (gtk_widget_get_sensitive (child (dialog, "take_button")));

  take (dialog, "installed", "fresh install");
  take (dialog, "updated", "");
  /* back to installed: the question names what is lost */
  g_assert_true (hg_snapshots_dialog_select (dialog, "installed"));
  gtk_button_clicked (GTK_BUTTON (child (dialog, "revert_button")));
  answer (dialog, "since the snapshot “updated” is lost", GTK_RESPONSE_ACCEPT);
  take (dialog, "experiment", "a branch off installed");
  take (dialog, "deeper", "");
  {
    g_autofree char *s = shape (dialog);

    g_assert_cmpstr (s, ==, "installed(updated experiment(deeper(You are here)))");
  }
  hg_snapshots_dialog_edit (dialog, "experiment", "trial", NULL);
  g_assert_true (hg_test_wait_until (idle, dialog, DEADLINE_MS));
  g_assert_cmpstr (hg_snapshots_dialog_get_error (dialog), ==, NULL);
  g_assert_true (hg_snapshots_dialog_select (dialog, "deeper"));
  hg_test_ui_flush ();
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-snapshot-tree");

  /* the middle one goes: its child moves up, the others stay */
  g_assert_true (hg_snapshots_dialog_select (dialog, "experiment"));
  gtk_button_clicked (GTK_BUTTON (child (dialog, "delete_button")));
  answer (dialog, "child snapshot is kept", GTK_RESPONSE_ACCEPT);
  {
    g_autofree char *s = shape (dialog);

    g_assert_cmpstr (s, ==, "installed(updated deeper(You are here))");
  }
  /* the config says the same */
  g_assert_true (g_file_get_contents (config->path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "[snapshot:deeper]\ntime="));
  g_assert_nonnull (strstr (text, "parent=installed\n"));
  g_assert_null (strstr (text, "[snapshot:experiment]"));

  gtk_widget_destroy (GTK_WIDGET (dialog));
  hg_test_remove_tree (base);
}

int
main (int argc, char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  hg_test_runtime_init ();
  g_test_add_func ("/hangar/ui/snapshots/tree", test_tree);
  status = g_test_run ();
  hg_test_runtime_cleanup ();
  return status;
}
