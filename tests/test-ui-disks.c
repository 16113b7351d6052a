/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gtk/gtk.h>

#include "hg-disk-image.h"
#include "hg-disks-editor.h"
#include "hg-properties-dialog.h"
#include "hg-test-skip.h"
#include "hg-test-ui.h"

/* Properties → Disks (HgDisksEditor) as a user drives it: add, a bad size,
 * grow with the note on the guest's partition, convert with its progress
 * bar, Cancel leaving the disk as it was, and Remove asking with the
 * image's name. */

#define DEADLINE_MS 60000
#define MIB (G_GUINT64_CONSTANT (1) << 20)

static gboolean
editor_idle (gpointer data)
{
  return !hg_disks_editor_is_busy (data);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("«%s» lacks «%s»", haystack != NULL ? haystack : "(null)", needle);
}

static void
test_editor (void)
{
  g_autofree char *base = NULL;
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *qcow2 = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *again = NULL;
  g_autofree guint8 *buf = g_malloc (MIB);
  HgPropertiesDialog *dialog;
  HgDisksEditor *editor;
  GtkWidget *confirm;
  char *secondary = NULL;
  int fd;

  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  config = hg_test_make_vm ("demo", "ed", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("the demo test guest is not built");
      return;
    }
  /* a raw disk with 16 MiB of data */
  raw = g_build_filename (config->dir, "ed.img", NULL);
  fd = open (raw, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < 16; i++)
    {
      for (gsize j = 0; j < MIB / 4; j++)
        ((guint32 *) buf)[j] = g_random_int ();
      g_assert_cmpint (write (fd, buf, MIB), ==, (gssize) MIB);
    }
  close (fd);
  g_ptr_array_add (config->disks, hg_disk_new ("ed.img", "raw", NULL));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);

  vm = hg_vm_new_for_config (config);
  dialog = hg_properties_dialog_new (NULL, vm);
  gtk_widget_show (GTK_WIDGET (dialog));
  editor = hg_properties_dialog_get_disks_editor (dialog);
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  dump = hg_disks_editor_dump (editor);
  assert_contains (dump, "disk0 — raw, 16.0");

  /* a bad size: said beside the form, nothing added */
  hg_disks_editor_add (editor, "lots", NULL);
  assert_contains (hg_disks_editor_get_error (editor), "Size of the new disk");
  assert_contains (hg_disks_editor_get_error (editor), "lots");

  /* a new disk */
  hg_disks_editor_add (editor, "8M", "qcow2");
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_null (hg_disks_editor_get_error (editor));
  g_clear_pointer (&dump, g_free);
  dump = hg_disks_editor_dump (editor);
  assert_contains (dump, "disk1 — qcow2, 8.0");

  /* grown, with the note on the guest's partition */
  hg_disks_editor_select (editor, 1);
  hg_disks_editor_resize (editor, "32M");
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_null (hg_disks_editor_get_error (editor));
  assert_contains (hg_disks_editor_get_note (editor), "partition");
  g_clear_pointer (&dump, g_free);
  dump = hg_disks_editor_dump (editor);
  assert_contains (dump, "disk1 — qcow2, 32.0");
  /* shrinking refused with the reason */
  hg_disks_editor_select (editor, 1);
  hg_disks_editor_resize (editor, "4M");
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  assert_contains (hg_disks_editor_get_error (editor), "lost");

  /* converted, with a progress bar; the old image kept and named */
  hg_disks_editor_select (editor, 0);
  hg_disks_editor_convert (editor, "qcow2");
  g_assert_cmpfloat (hg_disks_editor_get_progress (editor), >=, 0);
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_null (hg_disks_editor_get_error (editor));
  assert_contains (hg_disks_editor_get_note (editor), raw);
  g_clear_pointer (&dump, g_free);
  dump = hg_disks_editor_dump (editor);
  assert_contains (dump, "disk0 — qcow2, 16.0");
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-properties-disks");

  /* Cancel: the disk as it was, to the byte */
  qcow2 = g_build_filename (config->dir, "ed.qcow2", NULL);
  sum = hg_test_file_checksum (qcow2);
  hg_disks_editor_select (editor, 0);
  hg_disks_editor_convert (editor, "vdi");
  hg_disks_editor_cancel (editor);
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  assert_contains (hg_disks_editor_get_error (editor), "Cancelled");
  again = hg_test_file_checksum (qcow2);
  g_assert_cmpstr (again, ==, sum);
  {
    g_autofree char *vdi = g_build_filename (config->dir, "ed.vdi", NULL);
    g_assert_false (g_file_test (vdi, G_FILE_TEST_EXISTS));
  }
  g_clear_pointer (&dump, g_free);
  dump = hg_disks_editor_dump (editor);
  assert_contains (dump, "disk0 — qcow2");

  /* Remove asks, naming the image; kept */
  hg_disks_editor_select (editor, 1);
  confirm = hg_disks_editor_remove (editor);
  g_assert_nonnull (confirm);
  g_object_get (confirm, "secondary-text", &secondary, NULL);
  assert_contains (secondary, "ed-disk1.qcow2");
  g_free (secondary);
  gtk_dialog_response (GTK_DIALOG (confirm), 1);   /* Keep the Image */
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_null (hg_disks_editor_get_error (editor));
  assert_contains (hg_disks_editor_get_note (editor), "is kept");
  g_clear_pointer (&dump, g_free);
  dump = hg_disks_editor_dump (editor);
  g_assert_null (strstr (dump, "disk1"));
  {
    g_autofree char *kept = g_build_filename (config->dir, "ed-disk1.qcow2", NULL);
    g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  }

  gtk_widget_destroy (GTK_WIDGET (dialog));
  hg_test_ui_flush ();
  hg_test_remove_tree (base);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/hangar/ui/disks/editor", test_editor);

  return g_test_run ();
}
