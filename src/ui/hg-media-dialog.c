/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-media-dialog.h"

struct _HgMediaDialog
{
  HgVmDialog            parent_instance;

  GtkFileChooserNative *chooser;
  GPtrArray            *drives;       /* HgQmpBlockInfo of the last list, or NULL */

  /* template */
  GtkLabel             *note_label;
  GtkListStore         *store;
  GtkTreeView          *view;
  GtkWidget            *choose_button;
  GtkWidget            *eject_button;
  GtkWidget            *refresh_button;
};

G_DEFINE_FINAL_TYPE (HgMediaDialog, hg_media_dialog, HG_TYPE_VM_DIALOG)

enum {
  COL_DEVICE,    /* the name passed to eject/change */
  COL_DRIVE,     /* shown */
  COL_MEDIUM,
  COL_STATE,
};

const char *
hg_media_dialog_get_error (HgMediaDialog *self)
{
  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), NULL);
  return hg_vm_dialog_get_error (HG_VM_DIALOG (self));
}

gboolean
hg_media_dialog_is_busy (HgMediaDialog *self)
{
  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), FALSE);
  return hg_vm_dialog_is_busy (HG_VM_DIALOG (self));
}

static const char *
drive_name (HgQmpBlockInfo *info)
{
  return info->device != NULL && info->device[0] != '\0' ? info->device : info->qdev;
}

static char *
selected_device (HgMediaDialog *self)
{
  return hg_vm_dialog_tree_dup_selected (self->view, COL_DEVICE);
}

static void
hg_media_dialog_update (HgVmDialog *dialog)
{
  HgMediaDialog *self = HG_MEDIA_DIALOG (dialog);
  g_autofree char *device = selected_device (self);
  gboolean usable = hg_vm_dialog_ready (dialog);

  gtk_widget_set_visible (GTK_WIDGET (self->note_label), !hg_vm_dialog_vm_up (dialog));
  gtk_widget_set_sensitive (self->choose_button, usable && device != NULL);
  gtk_widget_set_sensitive (self->eject_button, usable && device != NULL);
  gtk_widget_set_sensitive (self->refresh_button, usable);
}

static void
on_selection_changed (HgMediaDialog *self)
{
  hg_vm_dialog_update (HG_VM_DIALOG (self));
}

/* ---- list ---------------------------------------------------------------------- */

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HgMediaDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) blocks = hg_vm_media_list_finish (HG_VM (source), result, &error);
  g_autofree char *selected = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  selected = selected_device (self);
  gtk_list_store_clear (self->store);
  g_clear_pointer (&self->drives, g_ptr_array_unref);
  if (blocks == NULL)
    hg_vm_dialog_show_error (HG_VM_DIALOG (self), error->message);
  else
    for (guint i = 0; i < blocks->len; i++)
      {
        HgQmpBlockInfo *info = g_ptr_array_index (blocks, i);
        const char *state;
        g_autofree char *medium = NULL;

        if (!info->removable || drive_name (info) == NULL)
          continue;
        if (info->tray_open)
          state = _("tray open");
        else if (info->locked)
          state = _("locked by the guest");
        else
          state = "";
        medium = info->has_media && info->file != NULL ? g_filename_display_name (info->file)
                                                       : g_strdup (_("(empty)"));
        gtk_list_store_insert_with_values (self->store, NULL, -1,
                                           COL_DEVICE, drive_name (info),
                                           COL_DRIVE, drive_name (info),
                                           COL_MEDIUM, medium,
                                           COL_STATE, state,
                                           -1);
      }
  self->drives = g_steal_pointer (&blocks);
  hg_vm_dialog_end (HG_VM_DIALOG (self));
  if (selected == NULL || !hg_media_dialog_select (self, selected))
    {
      GtkTreeIter iter;

      if (gtk_tree_model_get_iter_first (GTK_TREE_MODEL (self->store), &iter))
        gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->view), &iter);
    }
}

static void
hg_media_dialog_refresh (HgVmDialog *dialog)
{
  HgMediaDialog *self = HG_MEDIA_DIALOG (dialog);

  if (!hg_vm_dialog_vm_up (dialog))
    {
      gtk_list_store_clear (self->store);
      g_clear_pointer (&self->drives, g_ptr_array_unref);
      hg_vm_dialog_update (dialog);
      return;
    }
  hg_vm_dialog_begin (dialog);
  hg_vm_media_list_async (hg_vm_dialog_get_vm (dialog), hg_vm_dialog_get_cancellable (dialog),
                          on_listed, g_object_ref (self));
}

gboolean
hg_media_dialog_select (HgMediaDialog *self,
                        const char    *device)
{
  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), FALSE);
  return hg_vm_dialog_tree_select (self->view, COL_DEVICE, device);
}

const char *
hg_media_dialog_get_medium (HgMediaDialog *self,
                            const char    *device)
{
  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), NULL);

  for (guint i = 0; self->drives != NULL && i < self->drives->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (self->drives, i);

      if (info->removable && g_strcmp0 (drive_name (info), device) == 0)
        return info->has_media && info->file != NULL ? info->file : "";
    }
  return NULL;
}

GStrv
hg_media_dialog_dup_devices (HgMediaDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), NULL);
  for (guint i = 0; self->drives != NULL && i < self->drives->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (self->drives, i);

      if (info->removable && drive_name (info) != NULL)
        g_strv_builder_add (builder, drive_name (info));
    }
  return g_strv_builder_end (builder);
}

/* ---- eject / insert ---------------------------------------------------------------- */

void
hg_media_dialog_eject (HgMediaDialog *self)
{
  g_autofree char *device = NULL;
  HgVmDialog *dialog;
  char *what;   /* taken by the operation */

  g_return_if_fail (HG_IS_MEDIA_DIALOG (self));

  dialog = HG_VM_DIALOG (self);
  device = selected_device (self);
  if (device == NULL || !hg_vm_dialog_ready (dialog))
    return;
  what = g_strdup_printf (_("Ejecting the medium of %s"), device);
  hg_vm_media_eject_async (hg_vm_dialog_get_vm (dialog), device, FALSE,
                           hg_vm_dialog_get_cancellable (dialog), hg_vm_dialog_op_done,
                           hg_vm_dialog_op_begin (dialog, what));
}

void
hg_media_dialog_insert (HgMediaDialog *self,
                        const char    *file)
{
  g_autofree char *device = NULL;
  HgVmDialog *dialog;
  char *what;   /* taken by the operation */

  g_return_if_fail (HG_IS_MEDIA_DIALOG (self));
  g_return_if_fail (file != NULL);

  dialog = HG_VM_DIALOG (self);
  device = selected_device (self);
  if (device == NULL || !hg_vm_dialog_ready (dialog))
    return;
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *message = g_strdup_printf (_("The image %s does not exist or is not a file"), file);
      hg_vm_dialog_show_error (dialog, message);
      return;
    }
  what = g_strdup_printf (_("Inserting %s into %s"), file, device);
  hg_vm_media_change_async (hg_vm_dialog_get_vm (dialog), device, file, "raw",
                            hg_vm_dialog_get_cancellable (dialog),
                            hg_vm_dialog_op_done, hg_vm_dialog_op_begin (dialog, what));
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     HgMediaDialog   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));

      if (path != NULL)
        hg_media_dialog_insert (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
on_choose_clicked (HgMediaDialog *self)
{
  GtkFileFilter *filter;

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose an Image to Insert"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Insert"), _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Disc and floppy images"));
  gtk_file_filter_add_mime_type (filter, "application/x-cd-image");
  gtk_file_filter_add_pattern (filter, "*.iso");
  gtk_file_filter_add_pattern (filter, "*.ISO");
  gtk_file_filter_add_pattern (filter, "*.img");
  gtk_file_filter_add_pattern (filter, "*.IMG");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_eject_clicked (HgMediaDialog *self)
{
  hg_media_dialog_eject (self);
}

static void
on_refresh_clicked (HgMediaDialog *self)
{
  hg_vm_dialog_refresh (HG_VM_DIALOG (self));
}

/* ---- GObject --------------------------------------------------------------------- */

HgMediaDialog *
hg_media_dialog_new (GtkWindow *parent,
                     HgVm      *vm)
{
  HgMediaDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (HG_IS_VM (vm), NULL);

  title = g_strdup_printf (_("Removable Media of %s"), hg_vm_get_label (vm));
  self = g_object_new (HG_TYPE_MEDIA_DIALOG, "transient-for", parent, "vm", vm, "title", title,
                       NULL);
  hg_vm_dialog_refresh (HG_VM_DIALOG (self));
  return self;
}

static void
hg_media_dialog_dispose (GObject *object)
{
  HgMediaDialog *self = HG_MEDIA_DIALOG (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_pointer (&self->drives, g_ptr_array_unref);

  G_OBJECT_CLASS (hg_media_dialog_parent_class)->dispose (object);
}

static void
hg_media_dialog_class_init (HgMediaDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  HgVmDialogClass *vm_dialog_class = HG_VM_DIALOG_CLASS (klass);

  object_class->dispose = hg_media_dialog_dispose;

  vm_dialog_class->update = hg_media_dialog_update;
  vm_dialog_class->refresh = hg_media_dialog_refresh;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-media-dialog.ui");
  hg_vm_dialog_class_bind_template (widget_class);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, note_label);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, store);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, view);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, choose_button);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, eject_button);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, refresh_button);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_eject_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
}

static void
hg_media_dialog_init (HgMediaDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
