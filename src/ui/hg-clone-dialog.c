/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-clone-dialog.h"
#include "hg-firmware.h"
#include "hg-library.h"
#include "hg-spawn.h"
#include "hg-target-dir.h"

struct _HgCloneDialog
{
  HgVmDialog      parent_instance;

  GStrv           bases;
  GStrv           labels;

  /* template */
  GtkLabel       *intro_label;
  GtkEntry       *label_entry;
  GtkLabel       *target_label;
  GtkLabel       *running_note;
  GtkWidget      *clone_button;
};

G_DEFINE_FINAL_TYPE (HgCloneDialog, hg_clone_dialog, HG_TYPE_VM_DIALOG)

enum {
  CLONED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the copy ---------------------------------------------------------------- */

typedef struct {
  HgVmConfig *source;   /* the in-memory config; only its path is used in the thread */
  char       *label;
  GStrv       bases;
} CloneData;

static void
clone_data_free (CloneData *data)
{
  hg_vm_config_unref (data->source);
  g_free (data->label);
  g_strfreev (data->bases);
  g_free (data);
}

static gboolean
copy_disk (const char    *source,
           const char    *dest,
           const char    *format,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");
  GStatBuf st;
  int fd;

  /* the disk the config names, never what a symlink in its place points to
   * (a VM directory from someone else may link /etc/shadow as its disk) */
  if (g_lstat (source, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Cannot copy the disk %s: %s"), source,
                   S_ISLNK (st.st_mode) ? _("it is a symbolic link; not followed")
                                        : _("not a regular file"));
      return FALSE;
    }
  /* private to its owner from the start: qemu-img keeps the mode */
  fd = open (dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot copy the disk %s: %s: %s"), source, dest, g_strerror (saved));
      return FALSE;
    }
  close (fd);

  if (qemu_img != NULL)
    {
      const char *argv[] = { qemu_img, "convert", "-q", "-f", format, "-O", format, source, dest, NULL };
      g_autoptr(GSubprocess) process = NULL;
      g_autofree char *err_text = NULL;

      process = hg_spawn_work (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               error);
      if (process == NULL ||
          !g_subprocess_communicate_utf8 (process, NULL, cancellable, NULL, &err_text, error))
        {
          if (process != NULL)
            g_subprocess_force_exit (process);
          return FALSE;
        }
      if (!g_subprocess_get_successful (process))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("qemu-img could not copy the disk %s: %s"), source,
                       err_text != NULL ? g_strstrip (err_text) : "");
          return FALSE;
        }
      return TRUE;
    }
  else
    {
      g_autoptr(GFile) from = g_file_new_for_path (source);
      g_autoptr(GFile) to = g_file_new_for_path (dest);
      g_autoptr(GError) local_error = NULL;

      /* the copy takes the source's mode: made private again after */
      if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS, cancellable,
                        NULL, NULL, &local_error) ||
          (g_chmod (dest, 0600) != 0 &&
           (local_error = g_error_new_literal (G_IO_ERROR, g_io_error_from_errno (errno),
                                               g_strerror (errno))) != NULL))
        {
          g_set_error (error, local_error->domain, local_error->code,
                       _("Cannot copy the disk %s: %s"), source, local_error->message);
          return FALSE;
        }
      return TRUE;
    }
}

/* A file name for a disk in the new directory: the old label in it becomes
 * the new one, and it does not collide with one copied before. */
static char *
disk_file_name (const char *old_path,
                const char *old_label,
                const char *new_label,
                const char *new_dir)
{
  g_autofree char *base = g_path_get_basename (old_path);
  g_autofree char *name = NULL;
  g_autofree char *full = NULL;

  if (g_str_has_prefix (base, old_label))
    name = g_strconcat (new_label, base + strlen (old_label), NULL);
  else
    name = g_strdup (base);
  full = g_build_filename (new_dir, name, NULL);
  for (guint n = 2; g_file_test (full, G_FILE_TEST_EXISTS); n++)
    {
      const char *dot = strrchr (name, '.');
      g_autofree char *stem = dot != NULL ? g_strndup (name, (gsize) (dot - name)) : g_strdup (name);
      g_autofree char *other = g_strdup_printf ("%s-%u%s", stem, n, dot != NULL ? dot : "");

      g_free (full);
      full = g_build_filename (new_dir, other, NULL);
    }
  return g_path_get_basename (full);
}

/* A path relative to the old VM directory would point nowhere from the
 * new one: make it absolute. */
static void
make_absolute (HgVmConfig  *config,
               char       **path)
{
  if (*path == NULL || (*path)[0] == '\0' || g_path_is_absolute (*path))
    return;
  {
    char *absolute = hg_vm_config_resolve_path (config, *path);
    g_free (*path);
    *path = absolute;
  }
}

static char *
clone_in_thread (gpointer       task_data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  CloneData *data = task_data;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(HgTargetDir) target = { NULL, NULL };
  g_autofree char *old_label = NULL;
  g_autofree char *parent = NULL;
  const char *new_dir;

  if (!hg_label_is_valid (data->label, error))
    return NULL;
  for (guint i = 0; data->bases != NULL && data->bases[i] != NULL; i++)
    {
      g_autofree char *taken = hg_library_find_label (data->bases[i], data->label);

      if (taken != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       _("The label %s is taken: %s exists"), data->label, taken);
          return NULL;
        }
    }

  /* a fresh copy from disk: that is what gets cloned */
  config = hg_vm_config_load (data->source->path, error);
  if (config == NULL)
    return NULL;
  old_label = g_strdup (config->label);
  parent = g_path_get_dirname (config->dir);
  if (!hg_target_dir_prepare (&target, parent, data->label, TRUE, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                     _("The label %s is taken: the folder %s exists"), data->label, target.path);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  new_dir = target.path;

  /* from here on, a failure removes new_dir */
  for (guint i = 0; i < config->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (config->disks, i);
      g_autofree char *source = hg_vm_config_resolve_path (config, disk->path);
      g_autofree char *name = disk_file_name (source, old_label, data->label, new_dir);
      g_autofree char *dest = g_build_filename (new_dir, name, NULL);

      if (!copy_disk (source, dest, disk->format != NULL ? disk->format : "raw", cancellable, error))
        goto failed;
      g_free (disk->path);
      disk->path = g_steal_pointer (&name);
    }
  /* the UEFI variables and the TPM state travel with it */
  if (!hg_firmware_copy_state (config->dir, new_dir, cancellable, error))
    goto failed;
  for (guint i = 0; i < config->media->len; i++)
    make_absolute (config, &((HgMedium *) g_ptr_array_index (config->media, i))->path);
  make_absolute (config, &config->kernel);
  make_absolute (config, &config->initrd);
  make_absolute (config, &config->dtb);

  g_free (config->label);
  config->label = g_strdup (data->label);
  g_free (config->uuid);
  config->uuid = g_uuid_string_random ();
  for (guint i = 0; i < config->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (config->nics, i);

      g_free (nic->mac);
      nic->mac = hg_mac_generate ();
    }
  hg_vm_config_set_location (config, new_dir);
  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !hg_vm_config_validate (config, error) ||
      !hg_vm_config_save (config, error))
    goto failed;
  return g_strdup (config->path);

failed:
  hg_target_dir_undo (&target);
  return NULL;
}

void
hg_clone_copy_async (HgVmConfig         *source,
                     const char         *new_label,
                     const char * const *bases,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  CloneData *data;

  g_return_if_fail (source != NULL && source->path != NULL);
  g_return_if_fail (new_label != NULL);

  data = g_new0 (CloneData, 1);
  data->source = hg_vm_config_ref (source);
  data->label = g_strdup (new_label);
  data->bases = g_strdupv ((char **) bases);
  /* the label is checked in the thread again: another window may race */
  hg_target_dir_run_async (hg_clone_copy_async, clone_in_thread, data, (GDestroyNotify) clone_data_free,
                           cancellable, callback, user_data);
}

char *
hg_clone_copy_finish (GAsyncResult  *result,
                      GError       **error)
{
  return hg_target_dir_run_finish (result, hg_clone_copy_async, error);
}

/* ---- the dialog -------------------------------------------------------------- */

const char *
hg_clone_dialog_get_error (HgCloneDialog *self)
{
  g_return_val_if_fail (HG_IS_CLONE_DIALOG (self), NULL);
  return hg_vm_dialog_get_error (HG_VM_DIALOG (self));
}

/* The label typed so far: NULL and an error when it cannot be used */
static gboolean
check_label (HgCloneDialog  *self,
             const char     *label,
             GError        **error)
{
  if (!hg_label_is_valid (label, error))
    return FALSE;
  for (guint i = 0; self->labels != NULL && self->labels[i] != NULL; i++)
    if (g_strcmp0 (self->labels[i], label) == 0)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                     _("The label %s is taken by another VM in the library"), label);
        return FALSE;
      }
  return TRUE;
}

static void
hg_clone_dialog_update (HgVmDialog *dialog)
{
  HgCloneDialog *self = HG_CLONE_DIALOG (dialog);
  const char *label = gtk_entry_get_text (self->label_entry);
  g_autoptr(GError) error = NULL;
  gboolean running = hg_vm_is_active (hg_vm_dialog_get_vm (dialog));
  gboolean ok = label[0] != '\0' && check_label (self, label, &error);
  HgVmConfig *config = hg_vm_get_config (hg_vm_dialog_get_vm (dialog));
  gboolean busy = hg_vm_dialog_is_busy (dialog);

  gtk_widget_set_visible (GTK_WIDGET (self->running_note), running);
  hg_vm_dialog_show_error (dialog, label[0] != '\0' && error != NULL ? error->message : NULL);
  if (ok)
    {
      g_autofree char *parent = g_path_get_dirname (config->dir);
      g_autofree char *dir = g_build_filename (parent, label, NULL);
      g_autofree char *text = g_strdup_printf (_("The copy goes into %s"), dir);

      gtk_label_set_text (self->target_label, text);
    }
  else
    gtk_label_set_text (self->target_label, "");
  gtk_widget_set_sensitive (self->clone_button, ok && !running && !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->label_entry), !busy);
}

static void
on_label_changed (HgCloneDialog *self)
{
  hg_vm_dialog_update (HG_VM_DIALOG (self));
}

void
hg_clone_dialog_set_label (HgCloneDialog *self,
                           const char    *label)
{
  g_return_if_fail (HG_IS_CLONE_DIALOG (self));
  gtk_entry_set_text (self->label_entry, label);
}

static void
on_cloned (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HgCloneDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = hg_clone_copy_finish (result, &error);

  if (!hg_vm_dialog_path_done (HG_VM_DIALOG (self), path, error))
    return;
  g_signal_emit (self, signals[CLONED], 0, path);
  gtk_widget_destroy (GTK_WIDGET (self));
}

void
hg_clone_dialog_clone (HgCloneDialog *self)
{
  const char *label;
  g_autofree char *refusal = NULL;
  g_autoptr(GError) error = NULL;
  HgVmDialog *dialog;
  HgVm *vm;

  g_return_if_fail (HG_IS_CLONE_DIALOG (self));

  dialog = HG_VM_DIALOG (self);
  vm = hg_vm_dialog_get_vm (dialog);
  label = gtk_entry_get_text (self->label_entry);
  refusal = g_strdup_printf (_("%s is running: shut it down before cloning it"),
                             hg_vm_get_label (vm));
  if (!hg_vm_dialog_may_change (dialog, refusal))
    return;
  if (!check_label (self, label, &error))
    {
      hg_vm_dialog_show_error (dialog, error->message);
      return;
    }
  hg_vm_dialog_begin (dialog);
  hg_clone_copy_async (hg_vm_get_config (vm), label, (const char * const *) self->bases,
                       hg_vm_dialog_get_cancellable (dialog), on_cloned, g_object_ref (self));
}

static void
on_clone_clicked (HgCloneDialog *self)
{
  hg_clone_dialog_clone (self);
}

static void
on_cancel_clicked (HgCloneDialog *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

HgCloneDialog *
hg_clone_dialog_new (GtkWindow          *parent,
                     HgVm               *vm,
                     const char * const *bases,
                     const char * const *labels)
{
  HgCloneDialog *self;
  g_autofree char *title = NULL;
  g_autofree char *proposal = NULL;
  g_autofree char *intro = NULL;
  HgVmConfig *config;

  g_return_val_if_fail (HG_IS_VM (vm), NULL);

  config = hg_vm_get_config (vm);
  title = g_strdup_printf (_("Clone %s"), config->label);
  self = g_object_new (HG_TYPE_CLONE_DIALOG, "transient-for", parent, "vm", vm, "title", title,
                       NULL);
  self->bases = g_strdupv ((char **) bases);
  self->labels = g_strdupv ((char **) labels);
  intro = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "The copy gets its own uuid, new MAC addresses and a copy of the disk.",
                                        "The copy gets its own uuid, new MAC addresses and a copy of each of the %u disks.",
                                        config->disks->len),
                           config->disks->len);
  gtk_label_set_text (self->intro_label, intro);
  /* a free proposal: label-2, label-3 … */
  for (guint n = 2; proposal == NULL || !check_label (self, proposal, NULL); n++)
    {
      g_free (proposal);
      proposal = g_strdup_printf ("%s-%u", config->label, n);
      if (n > 1000)
        break;
    }
  gtk_entry_set_text (self->label_entry, proposal);
  hg_vm_dialog_update (HG_VM_DIALOG (self));
  return self;
}

static void
hg_clone_dialog_finalize (GObject *object)
{
  HgCloneDialog *self = HG_CLONE_DIALOG (object);

  g_strfreev (self->bases);
  g_strfreev (self->labels);

  G_OBJECT_CLASS (hg_clone_dialog_parent_class)->finalize (object);
}

static void
hg_clone_dialog_class_init (HgCloneDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  HgVmDialogClass *vm_dialog_class = HG_VM_DIALOG_CLASS (klass);

  object_class->finalize = hg_clone_dialog_finalize;

  vm_dialog_class->update = hg_clone_dialog_update;

  signals[CLONED] = g_signal_new ("cloned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-clone-dialog.ui");
  hg_vm_dialog_class_bind_template (widget_class);
  gtk_widget_class_bind_template_child (widget_class, HgCloneDialog, intro_label);
  gtk_widget_class_bind_template_child (widget_class, HgCloneDialog, label_entry);
  gtk_widget_class_bind_template_child (widget_class, HgCloneDialog, target_label);
  gtk_widget_class_bind_template_child (widget_class, HgCloneDialog, running_note);
  gtk_widget_class_bind_template_child (widget_class, HgCloneDialog, clone_button);
  gtk_widget_class_bind_template_callback (widget_class, on_label_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_clone_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
hg_clone_dialog_init (HgCloneDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
