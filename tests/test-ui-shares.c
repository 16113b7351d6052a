/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gtk/gtk.h>

#include <glib/gstdio.h>

#include "hg-details-view.h"
#include "hg-properties-dialog.h"
#include "hg-share.h"
#include "hg-test-ui.h"
#include "hg-test-vm.h"
#include "hg-vm-config.h"

/*
 * A VM's shared folders on its details page: each with its folder, mode,
 * the transport it gets and the command that mounts it in the guest; and
 * the list editor in Properties, a bad folder or tag refused beside the
 * fields with the config unchanged.
 */

static char *
read_file (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
test_properties (void)
{
  g_autofree char *base = g_dir_make_tmp ("hgshare-ui-XXXXXX", NULL);
  g_autofree char *vmdir = g_build_filename (base, "props", NULL);
  g_autofree char *data = g_build_filename (base, "data", NULL);
  g_autofree char *missing = g_build_filename (base, "missing", NULL);
  g_autofree char *link = g_build_filename (base, "link", NULL);
  g_autofree char *before = NULL, *after = NULL, *dump = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("props");
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  HgPropertiesDialog *dialog;
  HgSharesEditor *editor;
  const char *err;

  g_assert_cmpint (g_mkdir (vmdir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (data, 0755), ==, 0);
  g_assert_cmpint (symlink (data, link), ==, 0);
  g_free (config->arch);
  config->arch = g_strdup ("x86_64");
  hg_vm_config_set_location (config, vmdir);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_for_config (config);
  dialog = hg_properties_dialog_new (NULL, vm);
  gtk_widget_show (GTK_WIDGET (dialog));
  editor = hg_properties_dialog_get_shares_editor (dialog);

  hg_shares_editor_add (editor, data, NULL, TRUE);
  g_assert_null (hg_shares_editor_get_error (editor));
  dump = hg_shares_editor_dump (editor);
  if (strstr (dump, "“data”: ") == NULL || strstr (dump, "(read-only)") == NULL ||
      strstr (dump, "mount -t 9p -o trans=virtio,version=9p2000.L,ro data /mnt") == NULL)
    g_error ("the editor lacks the share: %s", dump);
  before = read_file (config->path);
  g_assert_nonnull (strstr (before, "[share:0]"));
  {
    /* the editor is the last thing in a dialog that scrolls */
    GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (editor), GTK_TYPE_SCROLLED_WINDOW);

    hg_test_ui_flush ();
    if (scrolled != NULL)
      {
        GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

        gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
        hg_test_ui_flush ();
      }
    hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-properties-shares");
  }
  g_assert_nonnull (strstr (before, "readonly=true"));

  /* refused beside the fields, naming what is wrong; nothing changes */
  hg_shares_editor_add (editor, missing, "m", FALSE);
  err = hg_shares_editor_get_error (editor);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, missing));
  hg_shares_editor_add (editor, link, "l", FALSE);
  err = hg_shares_editor_get_error (editor);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "is a symbolic link"));
  hg_shares_editor_add (editor, "/", "root", FALSE);
  g_assert_nonnull (strstr (hg_shares_editor_get_error (editor), "(/) is never shared"));
  hg_shares_editor_add (editor, base, "data", FALSE);
  g_assert_nonnull (strstr (hg_shares_editor_get_error (editor), "mount tag “data” already"));
  after = read_file (config->path);
  g_assert_cmpstr (after, ==, before);

  hg_shares_editor_remove (editor, 0);
  g_assert_null (hg_shares_editor_get_error (editor));
  g_free (dump);
  dump = hg_shares_editor_dump (editor);
  g_assert_cmpstr (dump, ==, "");
  g_free (after);
  after = read_file (config->path);
  g_assert_null (strstr (after, "[share:0]"));
  gtk_widget_destroy (GTK_WIDGET (dialog));
  hg_test_remove_tree (base);
}

static void
test_details (void)
{
  static const char text[] =
    "[machine]\nlabel=s\narch=x86_64\n\n"
    "[share:0]\npath=/srv/data\ntag=data\ntransport=9p\n\n"
    "[share:1]\npath=/srv/docs\ntag=docs\nreadonly=true\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load_from_data (text, -1, "/vms/s/s.hangar", &error);
  GtkWidget *window = gtk_offscreen_window_new ();
  GtkWidget *details = hg_details_view_new ();
  g_autofree char *dump = NULL;
  g_autoptr(HgVmConfig) none = NULL;

  g_assert_no_error (error);
  gtk_container_add (GTK_CONTAINER (window), details);
  gtk_widget_show_all (window);
  hg_details_view_set_vm (HG_DETAILS_VIEW (details), "/vms/s/s.hangar", config, NULL);
  dump = hg_details_view_dump (HG_DETAILS_VIEW (details));
  if (strstr (dump, "shares: “data”: /srv/data (read-write, 9p)\n"
                    "In the guest: mount -t 9p -o trans=virtio,version=9p2000.L data /mnt\n"
                    "“docs”: /srv/docs (read-only, 9p)\n"
                    "In the guest: mount -t 9p -o trans=virtio,version=9p2000.L,ro docs /mnt\n") == NULL)
    g_error ("the details lack the shares: %s", dump);

  /* a VM without shares shows no section */
  none = hg_vm_config_load_from_data ("[machine]\nlabel=s\narch=x86_64\n", -1, "/vms/s/s.hangar",
                                      &error);
  g_assert_no_error (error);
  hg_details_view_set_vm (HG_DETAILS_VIEW (details), "/vms/s/s.hangar", none, NULL);
  g_free (dump);
  dump = hg_details_view_dump (HG_DETAILS_VIEW (details));
  g_assert_null (strstr (dump, "shares:"));
  gtk_widget_destroy (window);
}

int
main (int argc, char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hangar/ui/shares/details", test_details);
  g_test_add_func ("/hangar/ui/shares/properties", test_properties);
  return g_test_run ();
}
