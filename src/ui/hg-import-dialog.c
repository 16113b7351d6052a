/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-import-dialog.h"
#include "hg-import.h"
#include "hg-library.h"
#include "hg-target-dir.h"
#include "hg-window-private.h"

/*
 * win.import: "Import…" — a file chooser for a VM of another manager
 * (libvirt XML, quickemu .conf, OVF/OVA, VMware .vmx), then a dialog with
 * the import's report, the new VM's name and what to do with its disks
 * (link in place by default, copy, or convert to qcow2; the originals are
 * never changed).  The VM is written in a thread (hg_import_write); when it
 * is there the library is reloaded with it selected.  A ctys file is
 * pointed to `hangarctl import-ctys`.
 */

typedef struct {
  HgImport      *import;
  char          *base;
  HgImportDisks  disks;
} ImportJob;

static void
import_job_free (gpointer data)
{
  ImportJob *job = data;

  hg_import_free (job->import);
  g_free (job->base);
  g_free (job);
}

static char *
import_in_thread (gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  ImportJob *job = data;
  char *path = NULL;

  if (!hg_import_write (job->import, job->base, job->disks, NULL, NULL, cancellable, &path,
                        error))
    return NULL;
  return path;
}

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HgWindow) window = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = hg_target_dir_run_finish (result, hg_window_action_import, &error);

  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The import failed: %s"), error->message);

      hg_window_show_message (window, GTK_MESSAGE_ERROR, message);
      return;
    }
  {
    g_autofree char *message = g_strdup_printf (_("Imported %s"), path);

    hg_window_show_message (window, GTK_MESSAGE_INFO, message);
  }
  g_free (window->pending_select);
  window->pending_select = g_steal_pointer (&path);
  hg_window_reload (window);
}

typedef struct {
  HgWindow  *window;
  HgImport  *import;
  char      *base;
  GtkWidget *name;
  GtkWidget *disks;
} Asking;

static void
asking_free (gpointer data,
             GClosure *closure)
{
  Asking *asking = data;

  g_object_unref (asking->window);
  hg_import_free (asking->import);
  g_free (asking->base);
  g_free (asking);
}

static void
on_response (GtkDialog *dialog,
             int        response,
             Asking    *asking)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *existing = NULL;
  HgImportDisks disks = HG_IMPORT_DISKS_LINK;
  ImportJob *job;

  if (response != GTK_RESPONSE_ACCEPT)
    {
      gtk_widget_destroy (GTK_WIDGET (dialog));
      return;
    }
  if (!hg_import_set_label (asking->import, gtk_entry_get_text (GTK_ENTRY (asking->name)), &error))
    {
      hg_window_show_message (asking->window, GTK_MESSAGE_ERROR, error->message);
      return;
    }
  existing = hg_library_find_label (asking->base, hg_import_get_label (asking->import));
  if (existing != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("A VM named “%s” exists already: %s"),
                                                  hg_import_get_label (asking->import), existing);

      hg_window_show_message (asking->window, GTK_MESSAGE_ERROR, message);
      return;
    }
  hg_import_disks_from_string (gtk_combo_box_get_active_id (GTK_COMBO_BOX (asking->disks)),
                               &disks);
  {
    /* the same file imported twice: the second gets a new UUID */
    const char *bases[] = { asking->base, NULL };
    g_autofree char *taken_by = hg_library_find_same_uuid (bases,
                                                           hg_import_get_config (asking->import));

    if (taken_by != NULL)
      hg_import_renew_uuid (asking->import, taken_by);
  }
  job = g_new0 (ImportJob, 1);
  job->import = g_steal_pointer (&asking->import);
  job->base = g_strdup (asking->base);
  job->disks = disks;
  hg_window_show_message (asking->window, GTK_MESSAGE_INFO, _("Importing…"));
  hg_target_dir_run_async (hg_window_action_import, import_in_thread, job, import_job_free, NULL,
                           on_imported, g_object_ref (asking->window));
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

GtkWidget *
hg_import_dialog_open_file (HgWindow   *self,
                            const char *file)
{
  g_auto(GStrv) bases = hg_vm_manager_dup_bases (self->manager);
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  g_autofree char *title = NULL;
  GtkWidget *dialog, *box, *grid, *scrolled, *view, *label;
  HgImportFormat format;
  HgImport *import;
  Asking *asking;

  if (bases == NULL || bases[0] == NULL)
    return NULL;
  format = hg_import_detect_format (file, &error);
  if (format == HG_IMPORT_FORMAT_CTYS)
    {
      hg_window_show_message (self, GTK_MESSAGE_INFO,
                              _("A ctys file: import it with “hangarctl import-ctys FILE”."));
      return NULL;
    }
  import = format == HG_IMPORT_FORMAT_AUTO ? NULL : hg_import_open (file, format, NULL, &error);
  if (import == NULL)
    {
      hg_window_show_message (self, GTK_MESSAGE_ERROR, error->message);
      return NULL;
    }
  report = hg_import_format_report (import);
  title = g_strdup_printf (_("Import “%s” into %s"), hg_import_get_label (import), bases[0]);
  asking = g_new0 (Asking, 1);
  asking->window = g_object_ref (self);
  asking->import = import;
  asking->base = g_strdup (bases[0]);

  dialog = gtk_dialog_new_with_buttons (_("Import a VM"), GTK_WINDOW (self),
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT |
                                        GTK_DIALOG_USE_HEADER_BAR,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL,
                                        _("_Import"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, 480);
  box = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gtk_container_set_border_width (GTK_CONTAINER (box), 12);
  gtk_box_set_spacing (GTK_BOX (box), 8);

  label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_box_pack_start (GTK_BOX (box), label, FALSE, FALSE, 0);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  label = gtk_label_new_with_mnemonic (_("_Name"));
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  asking->name = gtk_entry_new ();
  gtk_widget_set_name (asking->name, "import-name");
  gtk_entry_set_text (GTK_ENTRY (asking->name), hg_import_get_label (import));
  gtk_entry_set_activates_default (GTK_ENTRY (asking->name), TRUE);
  gtk_widget_set_hexpand (asking->name, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), asking->name);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), asking->name, 1, 0, 1, 1);
  label = gtk_label_new_with_mnemonic (_("_Disks"));
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  asking->disks = gtk_combo_box_text_new ();
  gtk_widget_set_name (asking->disks, "import-disks");
  gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (asking->disks), "link",
                             _("Use them where they are (the originals stay untouched)"));
  gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (asking->disks), "copy",
                             _("Copy them into the VM's folder"));
  gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (asking->disks), "convert",
                             _("Convert them to qcow2 in the VM's folder"));
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (asking->disks), "link");
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), asking->disks);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), asking->disks, 1, 1, 1, 1);
  gtk_box_pack_start (GTK_BOX (box), grid, FALSE, FALSE, 0);

  scrolled = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  view = gtk_text_view_new ();
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), report, -1);
  gtk_container_add (GTK_CONTAINER (scrolled), view);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_pack_start (GTK_BOX (box), scrolled, TRUE, TRUE, 0);
  gtk_widget_show_all (box);

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_response), asking, asking_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
on_chosen (GtkNativeDialog *chooser,
           int              response,
           HgWindow        *self)
{
  g_autofree char *file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    hg_import_dialog_open_file (self, file);
  g_object_unref (chooser);
}

void
hg_window_action_import (GSimpleAction *action,
                         GVariant      *param,
                         gpointer       user_data)
{
  HgWindow *self = user_data;
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;

  chooser = gtk_file_chooser_native_new (_("Import a VM"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("VMs of other managers (libvirt, quickemu, OVF/OVA, VMware)"));
  for (const char *const *p = (const char *const[]) { "*.xml", "*.conf", "*.ovf", "*.ova",
                                                      "*.vmx", NULL }; *p != NULL; p++)
    gtk_file_filter_add_pattern (filter, *p);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
