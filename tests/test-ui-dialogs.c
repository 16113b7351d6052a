/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "hg-clone-dialog.h"
#include "hg-delete-dialog.h"
#include "hg-media-dialog.h"
#include "hg-move-dialog.h"
#include "hg-properties-dialog.h"
#include "hg-snapshots-dialog.h"
#include "hg-application.h"
#include "hg-test-skip.h"
#include "hg-test-ui.h"
#include "hg-vnc-view.h"

/*
 * The VM dialogs under Xvfb over temporary
 * libraries: each dialog is opened, driven through its widgets and
 * buttons, and what it did is checked on disk (config saved, clone with a
 * new uuid and MAC, files in $XDG_DATA_HOME/Trash, directory moved) along
 * with bad input shown inline.  Snapshots, media, the refusals of a
 * running VM and the detached display use one real tiny guest (TCG).
 * HANGAR_SCREENSHOT_DIR keeps a picture of each dialog as dialog-<name>.png.
 */

#define DEADLINE_MS 60000

#ifdef __SANITIZE_ADDRESS__
/* GLib allocates its first block of quarks in a library constructor and
 * drops it on purpose once a process has more than 2048 quarks (gquark.c:
 * lock-free readers may still use it); the window with every dialog type
 * gets there.  Full stacks at malloc let the suppression name the
 * constructor, and only it. */
const char *__asan_default_options (void);
const char *__lsan_default_suppressions (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions (void)
{
  return "leak:_dl_init\n";
}
#endif

static char *trash_home;   /* $XDG_DATA_HOME of this run */

/* ---- helpers ---------------------------------------------------------------- */

static GtkWidget *
child (gpointer    dialog,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (dialog), type, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Waits until dialog is destroyed (it closes itself after success) */
static gboolean
wait_destroyed (gpointer dialog)
{
  gpointer slot = dialog;

  g_object_add_weak_pointer (G_OBJECT (dialog), &slot);
  if (!hg_test_wait_until (pointer_cleared, &slot, DEADLINE_MS))
    {
      g_object_remove_weak_pointer (G_OBJECT (dialog), &slot);
      return FALSE;
    }
  return TRUE;
}

static void
show (gpointer dialog)
{
  gtk_widget_show (GTK_WIDGET (dialog));
  hg_test_ui_flush ();
}

static void
run_checked (const char * const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = hg_test_run (argv, &out, &err, 30000);

  if (status != 0)
    g_test_message ("%s: %s", argv[0], err);
  g_assert_cmpint (status, ==, 0);
}

/* A qcow2 (or raw) image of 4 MiB */
static void
make_image (const char *path,
            const char *format)
{
  const char *argv[] = { "qemu-img", "create", "-q", "-f", format, path, "4M", NULL };
  run_checked (argv);
}

/* The tiny guest in a fresh base, with a disk of format inside its dir */
static HgVmConfig *
make_vm (const char  *label,
         const char  *disk_format,
         char       **base_out)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", label, base_out);
  g_autoptr(GError) error = NULL;

  if (config == NULL)
    return NULL;
  if (disk_format != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s", label, disk_format);
      g_autofree char *path = g_build_filename (config->dir, name, NULL);

      make_image (path, disk_format);
      g_ptr_array_add (config->disks, hg_disk_new (name, disk_format, NULL));
    }
  g_ptr_array_add (config->nics, hg_nic_new (HG_NET_USER));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&config);
}

static HgVmConfig *
reload (const char *path)
{
  g_autoptr(GError) error = NULL;
  HgVmConfig *config = hg_vm_config_load (path, &error);

  g_assert_no_error (error);
  return config;
}

static gboolean
string_contains (const char *haystack,
                 const char *needle)
{
  return haystack != NULL && strstr (haystack, needle) != NULL;
}

static gboolean
props_has_error (gpointer dialog)
{
  return hg_properties_dialog_get_error (dialog) != NULL;
}

static gboolean
clone_has_error (gpointer dialog)
{
  return hg_clone_dialog_get_error (dialog) != NULL;
}

static gboolean
move_has_error (gpointer dialog)
{
  return hg_move_dialog_get_error (dialog) != NULL;
}

#define SKIP_WITHOUT_GUEST(config) \
  if ((config) == NULL) { hg_test_skip_or_fail ("the tiny guest is not built (tools/build-guests.sh)"); return; }

/* ---- properties ------------------------------------------------------------- */

/* [disk:N] allow-backing is shown, naming the disk and the folder */
static void
test_properties_allow_backing (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("trusting", "qcow2", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  HgPropertiesDialog *dialog;
  GType type = HG_TYPE_PROPERTIES_DIALOG;
  const char *text;

  SKIP_WITHOUT_GUEST (config);
  ((HgDisk *) config->disks->pdata[0])->allow_backing = g_strsplit ("/srv/shared-bases", ";", -1);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_for_config (config);
  dialog = hg_properties_dialog_new (NULL, vm);
  show (dialog);
  g_assert_true (gtk_widget_get_visible (child (dialog, type, "trust_title")));
  g_assert_true (gtk_widget_get_visible (child (dialog, type, "allow_backing_label")));
  text = gtk_label_get_text (GTK_LABEL (child (dialog, type, "allow_backing_label")));
  g_assert_true (string_contains (text, "Disk 1 (trusting.qcow2)"));
  g_assert_true (string_contains (text, "/srv/shared-bases"));
  g_assert_true (string_contains (text, "allow-backing"));
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-properties-allow-backing");
  gtk_widget_destroy (GTK_WIDGET (dialog));
  hg_test_remove_tree (base);
}

static void
test_properties (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("props", "qcow2", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgVmConfig) saved = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  HgPropertiesDialog *dialog;
  GType type = HG_TYPE_PROPERTIES_DIALOG;
  HgNic *nic;

  SKIP_WITHOUT_GUEST (config);
  vm = hg_vm_new_for_config (config);
  dialog = hg_properties_dialog_new (NULL, vm);
  show (dialog);

  /* it shows the config */
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (child (dialog, type, "memory_spin"))), ==, 64);
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (child (dialog, type, "boot_combo"))), ==, "cdrom");
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (child (dialog, type, "net_mode_combo"))), ==, "user");
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (child (dialog, type, "mac_entry"))), ==,
                   ((HgNic *) g_ptr_array_index (config->nics, 0))->mac);
  g_assert_true (gtk_widget_get_sensitive (child (dialog, type, "grid")));
  g_assert_false (gtk_widget_get_visible (child (dialog, type, "running_note")));
  /* nothing outside the VM's folder is trusted */
  g_assert_false (gtk_widget_get_visible (child (dialog, type, "allow_backing_label")));
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (child (dialog, type, "firmware_combo"))), ==, "bios");
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (child (dialog, type, "tpm_check"))));

  /* edits */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, type, "memory_spin")), 128);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, type, "cpus_spin")), 2);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dialog, type, "boot_combo")), "disk");
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dialog, type, "console_combo")), "serial");
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dialog, type, "firmware_combo")), "uefi-secure");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dialog, type, "tpm_check")), TRUE);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dialog, type, "net_mode_combo")), "vde");
  g_assert_true (gtk_widget_get_sensitive (child (dialog, type, "switch_entry")));
  gtk_entry_set_text (GTK_ENTRY (child (dialog, type, "switch_entry")), "lab");
  gtk_entry_set_text (GTK_ENTRY (gtk_bin_get_child (GTK_BIN (child (dialog, type, "nic_model_combo")))), "e1000");

  /* a bad MAC is refused inline and nothing is written */
  g_assert_true (g_file_get_contents (config->path, &before, NULL, NULL));
  gtk_entry_set_text (GTK_ENTRY (child (dialog, type, "mac_entry")), "52:54:00:zz:00:01");
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "save_button")));
  g_assert_true (string_contains (hg_properties_dialog_get_error (dialog), "52:54:00:zz:00:01"));
  g_assert_true (string_contains (hg_properties_dialog_get_error (dialog), "MAC"));
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-properties");
  hg_test_ui_flush ();
  g_assert_true (g_file_get_contents (config->path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);

  /* an image that is not there: the error names it, nothing changes */
  gtk_entry_set_text (GTK_ENTRY (child (dialog, type, "mac_entry")), "52:54:00:ab:cd:ef");
  hg_properties_dialog_set_iso (dialog, "/nonexistent/install.iso");
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "save_button")));
  g_assert_true (hg_test_wait_until (props_has_error, dialog, DEADLINE_MS));
  g_assert_true (string_contains (hg_properties_dialog_get_error (dialog), "/nonexistent/install.iso"));
  g_clear_pointer (&after, g_free);
  g_assert_true (g_file_get_contents (config->path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);

  /* a good save writes the file and closes the dialog */
  hg_properties_dialog_set_iso (dialog, ((HgMedium *) g_ptr_array_index (config->media, 0))->path);
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "save_button")));
  g_assert_true (wait_destroyed (dialog));
  saved = reload (config->path);
  g_assert_cmpuint (saved->memory_mib, ==, 128);
  g_assert_cmpuint (saved->cpus, ==, 2);
  g_assert_cmpint (saved->boot_mode, ==, HG_BOOT_DISK);
  g_assert_cmpint (saved->console, ==, HG_CONSOLE_SERIAL);
  g_assert_cmpint (saved->firmware, ==, HG_FIRMWARE_UEFI_SECURE);
  g_assert_true (saved->tpm);
  g_assert_cmpuint (saved->nics->len, ==, 1);
  nic = g_ptr_array_index (saved->nics, 0);
  g_assert_cmpint (nic->mode, ==, HG_NET_VDE);
  g_assert_cmpstr (nic->switch_name, ==, "lab");
  g_assert_cmpstr (nic->mac, ==, "52:54:00:ab:cd:ef");
  g_assert_cmpstr (nic->model, ==, "e1000");
  g_assert_cmpstr (saved->uuid, ==, config->uuid);
  g_assert_cmpuint (saved->disks->len, ==, 1);

  hg_test_remove_tree (base);
}

/* ---- clone -------------------------------------------------------------------- */

static char *cloned_path;

static void
on_cloned (HgCloneDialog *dialog,
           const char    *path)
{
  cloned_path = g_strdup (path);
}

static void
test_clone (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("orig", "qcow2", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgVmConfig) copy = NULL;
  g_autoptr(HgVmConfig) other = NULL;
  g_autofree char *other_dir = NULL;
  g_autofree char *copy_disk = NULL;
  g_autofree char *broken_dir = NULL;
  const char *labels[] = { "orig", "known", NULL };
  const char *bases[] = { base, NULL };
  HgCloneDialog *dialog;
  GType type = HG_TYPE_CLONE_DIALOG;

  SKIP_WITHOUT_GUEST (config);
  /* a VM the window does not know of yet, in a sub-folder of the base */
  other = hg_vm_config_new ("elsewhere");
  other_dir = g_build_filename (base, "lab", "elsewhere", NULL);
  g_assert_cmpint (g_mkdir_with_parents (other_dir, 0755), ==, 0);
  hg_vm_config_set_location (other, other_dir);
  g_assert_true (hg_vm_config_save (other, NULL));

  /* its UEFI variables and TPM state go with the copy */
  {
    g_autofree char *vars = g_build_filename (config->dir, "nvram-uefi.qcow2", NULL);
    g_autofree char *tpm = g_build_filename (config->dir, "tpm", NULL);
    g_autofree char *state = g_build_filename (tpm, "tpm2-00.permall", NULL);

    g_assert_true (g_file_set_contents (vars, "the variables", -1, NULL));
    g_assert_cmpint (g_mkdir (tpm, 0700), ==, 0);
    g_assert_true (g_file_set_contents (state, "the TPM", -1, NULL));
  }

  vm = hg_vm_new_for_config (config);
  dialog = hg_clone_dialog_new (NULL, vm, bases, labels);
  g_signal_connect (dialog, "cloned", G_CALLBACK (on_cloned), NULL);
  show (dialog);

  /* a free proposal */
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (child (dialog, type, "label_entry"))), ==, "orig-2");
  g_assert_true (gtk_widget_get_sensitive (child (dialog, type, "clone_button")));

  /* taken and invalid labels are refused as they are typed */
  hg_clone_dialog_set_label (dialog, "known");
  g_assert_true (string_contains (hg_clone_dialog_get_error (dialog), "known"));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, type, "clone_button")));
  hg_clone_dialog_set_label (dialog, "bad/label");
  g_assert_nonnull (hg_clone_dialog_get_error (dialog));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, type, "clone_button")));
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-clone");

  /* taken somewhere in the library: found by the scan in the thread */
  hg_clone_dialog_set_label (dialog, "elsewhere");
  g_assert_null (hg_clone_dialog_get_error (dialog));
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "clone_button")));
  g_assert_true (hg_test_wait_until (clone_has_error, dialog, DEADLINE_MS));
  g_assert_true (string_contains (hg_clone_dialog_get_error (dialog), other_dir));
  broken_dir = g_build_filename (base, "elsewhere", NULL);
  g_assert_false (g_file_test (broken_dir, G_FILE_TEST_EXISTS));

  /* the clone */
  hg_clone_dialog_set_label (dialog, "copy");
  g_assert_null (hg_clone_dialog_get_error (dialog));
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "clone_button")));
  g_assert_true (wait_destroyed (dialog));
  g_assert_nonnull (cloned_path);
  copy = reload (cloned_path);
  g_assert_cmpstr (copy->label, ==, "copy");
  g_assert_true (g_str_has_prefix (copy->dir, base));
  g_assert_cmpstr (copy->uuid, !=, config->uuid);
  g_assert_cmpuint (copy->nics->len, ==, 1);
  g_assert_cmpstr (((HgNic *) g_ptr_array_index (copy->nics, 0))->mac, !=,
                   ((HgNic *) g_ptr_array_index (config->nics, 0))->mac);
  g_assert_true (hg_mac_is_valid (((HgNic *) g_ptr_array_index (copy->nics, 0))->mac));
  g_assert_cmpuint (copy->disks->len, ==, 1);
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (copy->disks, 0))->path, ==, "copy.qcow2");
  copy_disk = hg_vm_config_resolve_path (copy, "copy.qcow2");
  g_assert_true (g_file_test (copy_disk, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (((HgMedium *) g_ptr_array_index (copy->media, 0))->path, ==,
                   ((HgMedium *) g_ptr_array_index (config->media, 0))->path);
  {
    g_autofree char *vars = g_build_filename (copy->dir, "nvram-uefi.qcow2", NULL);
    g_autofree char *state = g_build_filename (copy->dir, "tpm", "tpm2-00.permall", NULL);
    g_autofree char *text = NULL;

    g_assert_true (g_file_get_contents (vars, &text, NULL, NULL));
    g_assert_cmpstr (text, ==, "the variables");
    g_clear_pointer (&text, g_free);
    g_assert_true (g_file_get_contents (state, &text, NULL, NULL));
    g_assert_cmpstr (text, ==, "the TPM");
  }
  g_clear_pointer (&cloned_path, g_free);
  /* private, as every new VM: the directory 0700, the disk 0600 */
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (copy->dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 07777, ==, 0700);
    g_assert_cmpint (g_stat (copy_disk, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  }

  /* a disk that cannot be copied: an error, and no half-made VM is left */
  {
    g_autofree char *disk = hg_vm_config_resolve_path (config, "orig.qcow2");
    g_autofree char *failed_dir = g_build_filename (base, "copy2", NULL);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;

    g_assert_cmpint (g_unlink (disk), ==, 0);
    /* first a symlink in the disk's place: not followed */
    {
      g_autofree char *secret = g_build_filename (base, "secret", NULL);
      g_autoptr(GAsyncResult) linked = NULL;

      g_assert_true (g_file_set_contents (secret, "private", -1, NULL));
      g_assert_cmpint (symlink (secret, disk), ==, 0);
      hg_clone_copy_async (config, "copy2", bases, NULL, hg_test_store_result, &linked);
      g_assert_true (hg_test_wait_result (&linked, DEADLINE_MS));
      path = hg_clone_copy_finish (linked, &error);
      g_assert_null (path);
      g_assert_nonnull (error);
      g_assert_true (string_contains (error->message, disk));
      g_assert_true (string_contains (error->message, "symbolic link"));
      g_assert_false (g_file_test (failed_dir, G_FILE_TEST_EXISTS));
      g_clear_error (&error);
      g_assert_cmpint (g_unlink (disk), ==, 0);
    }
    hg_clone_copy_async (config, "copy2", bases, NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, DEADLINE_MS));
    path = hg_clone_copy_finish (result, &error);
    g_assert_null (path);
    g_assert_nonnull (error);
    g_assert_true (string_contains (error->message, disk));
    g_assert_false (g_file_test (failed_dir, G_FILE_TEST_EXISTS));
  }

  hg_test_remove_tree (base);
}

/* ---- delete --------------------------------------------------------------------- */

static gboolean
trash_has (const char *name)
{
  g_autofree char *file = g_build_filename (trash_home, "Trash", "files", name, NULL);
  g_autofree char *info_name = g_strconcat (name, ".trashinfo", NULL);
  g_autofree char *info = g_build_filename (trash_home, "Trash", "info", info_name, NULL);

  return g_file_test (file, G_FILE_TEST_EXISTS) && g_file_test (info, G_FILE_TEST_EXISTS);
}

static void
test_delete (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("doomed", "qcow2", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *dir = NULL;
  const char *files_text;
  const char * const *files;
  HgDeleteDialog *dialog;
  GType type = HG_TYPE_DELETE_DIALOG;

  SKIP_WITHOUT_GUEST (config);
  /* a second disk kept outside the VM folder */
  outside = g_build_filename (base, "shared-data.img", NULL);
  make_image (outside, "raw");
  g_ptr_array_add (config->disks, hg_disk_new (outside, "raw", NULL));
  g_assert_true (hg_vm_config_save (config, NULL));
  inside = hg_vm_config_resolve_path (config, "doomed.qcow2");
  dir = g_strdup (config->dir);

  vm = hg_vm_new_for_config (config);
  dialog = hg_delete_dialog_new (NULL, vm);
  show (dialog);

  /* the confirmation names every disk file */
  files = hg_delete_dialog_get_disk_files (dialog);
  g_assert_cmpuint (g_strv_length ((char **) files), ==, 2);
  files_text = gtk_label_get_text (GTK_LABEL (child (dialog, type, "files_label")));
  g_assert_true (string_contains (files_text, inside));
  g_assert_true (string_contains (files_text, outside));
  g_assert_true (string_contains (gtk_label_get_text (GTK_LABEL (child (dialog, type, "folder_label"))), dir));
  g_assert_true (gtk_widget_get_sensitive (child (dialog, type, "delete_button")));
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-delete");

  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "delete_button")));
  g_assert_true (wait_destroyed (dialog));

  /* gone from the library, kept in the trash */
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  g_assert_true (trash_has ("doomed"));
  g_assert_true (trash_has ("shared-data.img"));
  {
    g_autofree char *kept = g_build_filename (trash_home, "Trash", "files", "doomed", "doomed.qcow2", NULL);
    g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  }

  hg_test_remove_tree (base);
}

/* ---- move ------------------------------------------------------------------------ */

static void
test_move (void)
{
  g_autofree char *base = NULL;
  g_autofree char *base2 = g_dir_make_tmp ("hangar-vms-XXXXXX", NULL);
  g_autoptr(HgVmConfig) config = make_vm ("mover", NULL, &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgVmConfig) moved = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *target = NULL;
  g_autofree char *dir = NULL;
  const char *bases[] = { NULL, base2, NULL };
  HgMoveDialog *dialog;
  GType type = HG_TYPE_MOVE_DIALOG;

  SKIP_WITHOUT_GUEST (config);
  bases[0] = base;
  dir = g_strdup (config->dir);
  vm = hg_vm_new_for_config (config);
  dialog = hg_move_dialog_new (NULL, vm, bases);
  show (dialog);

  /* it starts where the VM is: nothing to do there */
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (child (dialog, type, "base_combo"))), ==, base);
  g_assert_true (string_contains (hg_move_dialog_get_error (dialog), "already in"));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, type, "move_button")));

  /* folders the library would not show are refused */
  hg_move_dialog_set_target (dialog, base2, "../escape");
  g_assert_true (string_contains (hg_move_dialog_get_error (dialog), ".."));
  hg_move_dialog_set_target (dialog, base2, ".hidden");
  g_assert_nonnull (hg_move_dialog_get_error (dialog));

  /* a target that exists: a clear error, nothing moved */
  taken = g_build_filename (base2, "taken", "mover", NULL);
  g_assert_cmpint (g_mkdir_with_parents (taken, 0755), ==, 0);
  hg_move_dialog_set_target (dialog, base2, "taken");
  g_assert_null (hg_move_dialog_get_error (dialog));
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "move_button")));
  g_assert_true (hg_test_wait_until (move_has_error, dialog, DEADLINE_MS));
  g_assert_true (string_contains (hg_move_dialog_get_error (dialog), taken));
  g_assert_true (g_file_test (config->path, G_FILE_TEST_IS_REGULAR));

  /* the move, into folders that do not exist yet */
  hg_move_dialog_set_target (dialog, base2, "lab/net");
  g_assert_null (hg_move_dialog_get_error (dialog));
  target = g_build_filename (base2, "lab", "net", "mover", NULL);
  g_assert_true (string_contains (gtk_label_get_text (GTK_LABEL (child (dialog, type, "target_label"))), target));
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-move");
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "move_button")));
  g_assert_true (wait_destroyed (dialog));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  {
    g_autofree char *path = g_build_filename (target, "mover.hangar", NULL);
    moved = reload (path);
  }
  g_assert_cmpstr (moved->uuid, ==, config->uuid);

  hg_test_remove_tree (base);
  hg_test_remove_tree (base2);
}

/* ---- snapshots refused for a raw disk ------------------------------------------------ */

static void
test_snapshots_refused (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("rawdisk", "raw", &base);
  g_autoptr(HgVm) vm = NULL;
  HgSnapshotsDialog *dialog;

  SKIP_WITHOUT_GUEST (config);
  vm = hg_vm_new_for_config (config);
  dialog = hg_snapshots_dialog_new (NULL, vm);
  show (dialog);
  /* inline, naming the disk */
  g_assert_true (string_contains (hg_snapshots_dialog_get_error (dialog), "rawdisk.raw"));
  g_assert_true (string_contains (hg_snapshots_dialog_get_error (dialog), "qcow2"));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, HG_TYPE_SNAPSHOTS_DIALOG, "take_button")));
  gtk_widget_destroy (GTK_WIDGET (dialog));
  hg_test_remove_tree (base);
}

/* ---- a running guest: snapshots, media, refusals, detached display ------------------- */

static gboolean
snapshots_idle (gpointer dialog)
{
  return !hg_snapshots_dialog_is_busy (dialog);
}

static gboolean
media_idle (gpointer dialog)
{
  return !hg_media_dialog_is_busy (dialog);
}

static gboolean
vnc_connected (gpointer view)
{
  return hg_vnc_session_get_state (hg_vnc_view_get_session (view)) == HG_VNC_SESSION_CONNECTED &&
         hg_vnc_session_has_content (hg_vnc_view_get_session (view));
}

typedef struct {
  HgVncView *view;
  guint64    after;
} UpdateWait;

static gboolean
vnc_updated_after (gpointer data)
{
  UpdateWait *w = data;
  HgVncSession *session = hg_vnc_view_get_session (w->view);

  return hg_vnc_session_get_state (session) == HG_VNC_SESSION_CONNECTED &&
         hg_vnc_session_get_n_updates (session) > w->after;
}

static void
count_state_change (guint *counter)
{
  (*counter)++;
}

/* The question open on the snapshots dialog: it names the snapshot, says
 * what is lost, its destructive button says so and Cancel is the default */
static void
check_question (HgSnapshotsDialog *dialog,
                const char        *title_part,
                const char        *detail_part,
                const char        *screenshot)
{
  GtkDialog *question = hg_snapshots_dialog_get_confirmation (dialog);
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  GtkWidget *cancel;
  GtkWidget *accept;

  g_assert_nonnull (question);
  hg_test_ui_flush ();
  g_object_get (question, "text", &title, "secondary-text", &detail, NULL);
  g_test_message ("question: %s / %s", title, detail);
  g_assert_true (string_contains (title, title_part));
  g_assert_true (string_contains (detail, detail_part));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (question)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (question)) == GTK_WINDOW (dialog));
  cancel = gtk_dialog_get_widget_for_response (question, GTK_RESPONSE_CANCEL);
  accept = gtk_dialog_get_widget_for_response (question, GTK_RESPONSE_ACCEPT);
  g_assert_nonnull (cancel);
  g_assert_nonnull (accept);
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (question)) == cancel);
  g_assert_true (gtk_style_context_has_class (gtk_widget_get_style_context (accept),
                                              "destructive-action"));
  hg_test_ui_save_screenshot (GTK_WIDGET (question), screenshot);
}

static void
answer (HgSnapshotsDialog *dialog,
        int                response)
{
  GtkDialog *question = hg_snapshots_dialog_get_confirmation (dialog);

  g_assert_nonnull (question);
  gtk_dialog_response (question, response);
  g_assert_null (hg_snapshots_dialog_get_confirmation (dialog));
}

static void
check_snapshots (HgVm *vm)
{
  HgSnapshotsDialog *dialog = hg_snapshots_dialog_new (NULL, vm);
  GType type = HG_TYPE_SNAPSHOTS_DIALOG;
  g_auto(GStrv) tags = NULL;
  guint state_changes = 0;
  gulong state_id;

  show (dialog);
  g_assert_true (hg_test_wait_until (snapshots_idle, dialog, DEADLINE_MS));
  g_assert_null (hg_snapshots_dialog_get_error (dialog));
  tags = hg_snapshots_dialog_dup_tags (dialog);
  g_assert_cmpuint (g_strv_length (tags), ==, 0);

  /* a bad name is refused inline */
  gtk_entry_set_text (GTK_ENTRY (child (dialog, type, "name_entry")), "-bad name");
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "take_button")));
  g_assert_nonnull (hg_snapshots_dialog_get_error (dialog));
  g_assert_false (hg_snapshots_dialog_is_busy (dialog));

  /* take */
  gtk_entry_set_text (GTK_ENTRY (child (dialog, type, "name_entry")), "first");
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "take_button")));
  g_assert_true (hg_snapshots_dialog_is_busy (dialog));
  g_assert_true (hg_test_wait_until (snapshots_idle, dialog, DEADLINE_MS));
  g_assert_null (hg_snapshots_dialog_get_error (dialog));
  g_clear_pointer (&tags, g_strfreev);
  tags = hg_snapshots_dialog_dup_tags (dialog);
  g_assert_true (g_strv_contains ((const char * const *) tags, "first"));
  g_assert_true (hg_snapshots_dialog_select (dialog, "first"));
  hg_test_ui_flush ();
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-snapshots");

  /* the default name is one no snapshot has */
  {
    const char *proposal = gtk_entry_get_text (GTK_ENTRY (child (dialog, type, "name_entry")));

    g_assert_true (g_str_has_prefix (proposal, "snap-"));
    g_assert_false (g_strv_contains ((const char * const *) tags, proposal));
  }

  /* a name that exists: asked, and Cancel keeps the old snapshot */
  gtk_entry_set_text (GTK_ENTRY (child (dialog, type, "name_entry")), "first");
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "take_button")));
  check_question (dialog, "Replace the snapshot “first”?", "old one is lost", "dialog-snapshot-replace");
  answer (dialog, GTK_RESPONSE_CANCEL);
  g_assert_false (hg_snapshots_dialog_is_busy (dialog));
  g_clear_pointer (&tags, g_strfreev);
  tags = hg_snapshots_dialog_dup_tags (dialog);
  g_assert_cmpuint (g_strv_length (tags), ==, 1);

  /* revert: asked first; Cancel changes nothing */
  g_assert_true (hg_snapshots_dialog_select (dialog, "first"));
  state_changes = 0;
  state_id = g_signal_connect_swapped (vm, "notify::state", G_CALLBACK (count_state_change),
                                       &state_changes);
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "revert_button")));
  g_assert_false (hg_snapshots_dialog_is_busy (dialog));
  check_question (dialog, "to the snapshot “first”?", "is lost", "dialog-snapshot-revert");
  answer (dialog, GTK_RESPONSE_CANCEL);
  g_assert_false (hg_snapshots_dialog_is_busy (dialog));
  g_assert_cmpuint (state_changes, ==, 0);
  g_assert_true (hg_vm_get_state (vm) == HG_VM_STATE_RUNNING);

  /* revert, confirmed: QEMU stops the guest, loads, runs it again */
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "revert_button")));
  answer (dialog, GTK_RESPONSE_ACCEPT);
  g_assert_true (hg_snapshots_dialog_is_busy (dialog));
  g_assert_true (hg_test_wait_until (snapshots_idle, dialog, DEADLINE_MS));
  g_assert_null (hg_snapshots_dialog_get_error (dialog));
  g_assert_cmpuint (state_changes, >, 0);
  g_signal_handler_disconnect (vm, state_id);

  /* delete: asked first; Cancel keeps it */
  g_assert_true (hg_snapshots_dialog_select (dialog, "first"));
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "delete_button")));
  g_assert_false (hg_snapshots_dialog_is_busy (dialog));
  check_question (dialog, "Delete the snapshot “first”", "is lost", "dialog-snapshot-delete");
  answer (dialog, GTK_RESPONSE_CANCEL);
  g_assert_false (hg_snapshots_dialog_is_busy (dialog));
  g_clear_pointer (&tags, g_strfreev);
  tags = hg_snapshots_dialog_dup_tags (dialog);
  g_assert_true (g_strv_contains ((const char * const *) tags, "first"));

  /* delete, confirmed */
  g_assert_true (hg_snapshots_dialog_select (dialog, "first"));
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "delete_button")));
  answer (dialog, GTK_RESPONSE_ACCEPT);
  g_assert_true (hg_test_wait_until (snapshots_idle, dialog, DEADLINE_MS));
  g_assert_null (hg_snapshots_dialog_get_error (dialog));
  g_clear_pointer (&tags, g_strfreev);
  tags = hg_snapshots_dialog_dup_tags (dialog);
  g_assert_false (g_strv_contains ((const char * const *) tags, "first"));
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

/* says what went wrong, not only that something did */
static void
assert_no_media_error (HgMediaDialog *dialog)
{
  const char *error = hg_media_dialog_get_error (dialog);

  if (error != NULL)
    g_error ("the media dialog shows an error: %s", error);
}

static void
check_media (HgVm       *vm,
             const char *iso)
{
  HgMediaDialog *dialog = hg_media_dialog_new (NULL, vm);
  GType type = HG_TYPE_MEDIA_DIALOG;
  g_auto(GStrv) devices = NULL;
  const char *cd;

  show (dialog);
  g_assert_true (hg_test_wait_until (media_idle, dialog, DEADLINE_MS));
  assert_no_media_error (dialog);
  devices = hg_media_dialog_dup_devices (dialog);
  g_assert_cmpuint (g_strv_length (devices), >=, 1);
  /* the CD drive holds the guest's image */
  cd = NULL;
  for (guint i = 0; devices[i] != NULL; i++)
    if (g_strcmp0 (hg_media_dialog_get_medium (dialog, devices[i]), iso) == 0)
      cd = devices[i];
  g_assert_nonnull (cd);
  g_assert_true (hg_media_dialog_select (dialog, cd));
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-media");

  /* eject */
  gtk_button_clicked (GTK_BUTTON (child (dialog, type, "eject_button")));
  g_assert_true (hg_test_wait_until (media_idle, dialog, DEADLINE_MS));
  assert_no_media_error (dialog);
  g_assert_cmpstr (hg_media_dialog_get_medium (dialog, cd), ==, "");

  /* an image that is not there */
  hg_media_dialog_insert (dialog, "/nonexistent/other.iso");
  g_assert_true (string_contains (hg_media_dialog_get_error (dialog), "/nonexistent/other.iso"));

  /* what the chooser does with the file it got */
  g_assert_true (hg_media_dialog_select (dialog, cd));
  hg_media_dialog_insert (dialog, iso);
  g_assert_true (hg_test_wait_until (media_idle, dialog, DEADLINE_MS));
  assert_no_media_error (dialog);
  g_assert_cmpstr (hg_media_dialog_get_medium (dialog, cd), ==, iso);
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
check_running_refusals (HgVm *vm)
{
  HgPropertiesDialog *props = hg_properties_dialog_new (NULL, vm);
  HgDeleteDialog *delete = hg_delete_dialog_new (NULL, vm);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  /* properties: insensitive, with a note; nothing is saved */
  show (props);
  g_assert_false (gtk_widget_get_sensitive (child (props, HG_TYPE_PROPERTIES_DIALOG, "grid")));
  g_assert_false (gtk_widget_get_sensitive (child (props, HG_TYPE_PROPERTIES_DIALOG, "save_button")));
  g_assert_true (gtk_widget_get_visible (child (props, HG_TYPE_PROPERTIES_DIALOG, "running_note")));
  g_assert_true (g_file_get_contents (hg_vm_get_config (vm)->path, &before, NULL, NULL));
  hg_properties_dialog_save (props);
  g_assert_true (string_contains (hg_properties_dialog_get_error (props), "running"));
  hg_test_ui_flush ();
  g_assert_true (g_file_get_contents (hg_vm_get_config (vm)->path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  gtk_widget_destroy (GTK_WIDGET (props));

  /* delete: refused */
  show (delete);
  g_assert_false (gtk_widget_get_sensitive (child (delete, HG_TYPE_DELETE_DIALOG, "delete_button")));
  hg_delete_dialog_confirm (delete);
  g_assert_true (string_contains (hg_delete_dialog_get_error (delete), "running"));
  g_assert_true (g_file_test (hg_vm_get_config (vm)->path, G_FILE_TEST_EXISTS));
  gtk_widget_destroy (GTK_WIDGET (delete));
}

static void
check_display (HgVm *vm)
{
  GtkWidget *window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  HgVncView *view = HG_VNC_VIEW (hg_vnc_view_new ());
  GtkWidget *display;
  GtkWindow *detached;
  UpdateWait wait;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gtk_container_add (GTK_CONTAINER (window), GTK_WIDGET (view));
  gtk_widget_show_all (window);
  hg_vnc_view_set_title (view, hg_vm_get_label (vm));
  hg_vnc_view_set_socket_path (view, hg_vm_get_runtime_paths (vm)->vnc);
  hg_vnc_view_set_auto_reconnect (view, TRUE);
  hg_vnc_view_connect (view);
  g_assert_true (hg_test_wait_until (vnc_connected, view, DEADLINE_MS));
  display = GTK_WIDGET (hg_vnc_view_get_display (view));
  g_assert_true (gtk_widget_get_toplevel (display) == window);
  g_assert_true (hg_vnc_view_get_scaling (view));

  /* detach: the display moves into its own window and stays connected */
  hg_vnc_view_set_detached (view, TRUE);
  detached = hg_vnc_view_get_detached_window (view);
  g_assert_nonnull (detached);
  g_assert_true (gtk_widget_get_toplevel (display) == GTK_WIDGET (detached));
  g_assert_true (string_contains (gtk_window_get_title (detached), hg_vm_get_label (vm)));
  g_assert_true (gtk_widget_get_visible (child (view, HG_TYPE_VNC_VIEW, "detached_page")));
  wait = (UpdateWait) { view, 0 };
  g_assert_true (hg_test_wait_until (vnc_updated_after, &wait, DEADLINE_MS));
  hg_test_ui_save_screenshot (GTK_WIDGET (detached), "dialog-detached-display");

  /* closing its window brings it back */
  {
    GdkEvent *event = gdk_event_new (GDK_DELETE);

    event->any.window = g_object_ref (gtk_widget_get_window (GTK_WIDGET (detached)));
    gtk_main_do_event (event);
    gdk_event_free (event);
  }
  g_assert_false (hg_vnc_view_get_detached (view));
  g_assert_true (gtk_widget_get_toplevel (display) == window);
  g_assert_false (gtk_widget_get_visible (child (view, HG_TYPE_VNC_VIEW, "detached_page")));

  /* a reset of the guest: the picture comes back */
  wait = (UpdateWait) { view, hg_vnc_session_get_n_updates (hg_vnc_view_get_session (view)) };
  hg_vm_reset_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, DEADLINE_MS));
  g_assert_true (hg_vm_action_finish (vm, result, &error));
  g_assert_no_error (error);
  g_assert_true (hg_test_wait_until (vnc_updated_after, &wait, DEADLINE_MS));

  /* scaling off and on */
  hg_vnc_view_set_scaling (view, FALSE);
  g_assert_false (vnc_display_get_scaling (hg_vnc_view_get_display (view)));
  hg_vnc_view_set_scaling (view, TRUE);

  gtk_widget_destroy (window);
}

static void
test_running_guest (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *iso;

  hg_test_runtime_init ();
  config = make_vm ("live", "qcow2", &base);
  if (config == NULL)
    {
      hg_test_runtime_cleanup ();
      hg_test_skip_or_fail ("the tiny guest is not built (tools/build-guests.sh)");
      return;
    }
  iso = ((HgMedium *) g_ptr_array_index (config->media, 0))->path;
  vm = hg_vm_new_for_config (config);
  hg_test_vm_start (vm, HG_VM_START_NONE);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_RUNNING, DEADLINE_MS));
  /* the guest has booted: its banner on the serial console */
  {
    g_autoptr(HgTestSerial) serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);

    g_assert_no_error (error);
    g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", DEADLINE_MS));
  }

  check_running_refusals (vm);
  check_display (vm);
  check_media (vm, iso);
  check_snapshots (vm);

  hg_vm_kill_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, DEADLINE_MS));
  g_assert_true (hg_vm_action_finish (vm, result, &error));
  g_assert_no_error (error);
  hg_test_remove_tree (base);
  hg_test_runtime_cleanup ();
}

/* ---- through the window's actions ------------------------------------------------ */

static guint loads;

static void
on_library_loaded (HgWindow *window)
{
  loads++;
}

static gboolean
loads_above (gpointer data)
{
  return loads > GPOINTER_TO_UINT (data);
}

static gpointer
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static gpointer
activate (HgWindow   *window,
          const char *name,
          GType       dialog_type)
{
  GActionGroup *group = gtk_widget_get_action_group (GTK_WIDGET (window), "vm");
  gpointer dialog;

  g_assert_true (g_action_group_get_action_enabled (group, name));
  g_action_group_activate_action (group, name, NULL);
  hg_test_ui_flush ();
  dialog = find_toplevel (dialog_type);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (window));
  return dialog;
}

static char *
xml_escape_accel (const char *accel)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = accel; *p != '\0'; p++)
    if (*p == '<')
      g_string_append (out, "&lt;");
    else if (*p == '>')
      g_string_append (out, "&gt;");
    else
      g_string_append_c (out, *p);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_window_actions (void)
{
  static const char *actions[] = {
    "vm.snapshots", "vm.media", "vm.properties", "vm.clone", "vm.move", "vm.delete",
    "vm.start::cdrom", "vm.force-off", "vm.screenshot", "vm.send-keys::ctrl-alt-del",
    "display.scale", "display.grab", "display.detach", "display.reconnect", "display.fullscreen",
  };
  g_autoptr(HgApplication) app = hg_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("wa", "qcow2", &base);
  g_autoptr(GBytes) overlay = NULL;
  g_autofree char *overlay_text = NULL;
  g_autofree char *clone_path = NULL;
  g_autofree char *clone_dir = NULL;
  const char *bases[] = { NULL, NULL };
  HgWindow *window;
  gpointer dialog;
  guint before;

  SKIP_WITHOUT_GUEST (config);
  bases[0] = base;
  hg_test_runtime_init ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  /* every action has an accelerator, and the shortcuts window lists it */
  overlay = g_resources_lookup_data ("/io/github/hangarvm/Hangar/help-overlay.ui", 0, &error);
  g_assert_no_error (error);
  overlay_text = g_strndup (g_bytes_get_data (overlay, NULL), g_bytes_get_size (overlay));
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), actions[i]);
      g_autofree char *escaped = NULL;

      g_test_message ("%s", actions[i]);
      g_assert_nonnull (accels);
      g_assert_nonnull (accels[0]);
      escaped = xml_escape_accel (accels[0]);
      g_assert_true (string_contains (overlay_text, escaped));
    }

  hg_application_set_bases (app, bases);
  window = g_object_ref_sink (hg_window_new (app));
  loads = 0;
  g_signal_connect (window, "library-loaded", G_CALLBACK (on_library_loaded), NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (hg_test_wait_until (loads_above, GUINT_TO_POINTER (0), DEADLINE_MS));
  g_assert_true (hg_vm_tree_select_path (window->tree, config->path));
  hg_test_ui_flush ();

  /* the dialogs open from the actions, over the window */
  gtk_widget_destroy (activate (window, "snapshots", HG_TYPE_SNAPSHOTS_DIALOG));
  gtk_widget_destroy (activate (window, "media", HG_TYPE_MEDIA_DIALOG));
  gtk_widget_destroy (activate (window, "move", HG_TYPE_MOVE_DIALOG));
  gtk_widget_destroy (activate (window, "properties", HG_TYPE_PROPERTIES_DIALOG));

  /* clone: the library reloads and the clone is selected */
  dialog = activate (window, "clone", HG_TYPE_CLONE_DIALOG);
  hg_clone_dialog_set_label (dialog, "wa");
  g_assert_nonnull (hg_clone_dialog_get_error (dialog));   /* the window knows "wa" */
  hg_clone_dialog_set_label (dialog, "wa-copy");
  before = loads;
  hg_clone_dialog_clone (dialog);
  g_assert_true (hg_test_wait_until (loads_above, GUINT_TO_POINTER (before), DEADLINE_MS));
  clone_dir = g_build_filename (base, "wa-copy", NULL);
  clone_path = g_build_filename (clone_dir, "wa-copy.hangar", NULL);
  g_assert_cmpstr (hg_vm_tree_get_selected_path (window->tree), ==, clone_path);

  /* delete the clone: it leaves the tree */
  dialog = activate (window, "delete", HG_TYPE_DELETE_DIALOG);
  before = loads;
  hg_delete_dialog_confirm (dialog);
  g_assert_true (hg_test_wait_until (loads_above, GUINT_TO_POINTER (before), DEADLINE_MS));
  g_assert_false (g_file_test (clone_dir, G_FILE_TEST_EXISTS));
  g_assert_true (trash_has ("wa-copy"));
  g_assert_false (hg_vm_tree_select_path (window->tree, clone_path));
  g_assert_true (hg_vm_tree_select_path (window->tree, config->path));

  gtk_widget_destroy (GTK_WIDGET (window));
  g_object_unref (window);
  hg_test_remove_tree (base);
  hg_test_runtime_cleanup ();
}

int
main (int argc, char *argv[])
{
  int status;

  /* the trash of this run: before GLib reads $XDG_DATA_HOME */
  trash_home = g_dir_make_tmp ("hangar-data-XXXXXX", NULL);
  g_assert_nonnull (trash_home);
  g_setenv ("XDG_DATA_HOME", trash_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  /* no CSS transitions or reveal animations: what is set is what is drawn */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/hangar/ui/dialogs/properties", test_properties);
  g_test_add_func ("/hangar/ui/dialogs/properties-allow-backing", test_properties_allow_backing);
  g_test_add_func ("/hangar/ui/dialogs/clone", test_clone);
  g_test_add_func ("/hangar/ui/dialogs/delete", test_delete);
  g_test_add_func ("/hangar/ui/dialogs/move", test_move);
  g_test_add_func ("/hangar/ui/dialogs/snapshots-refused", test_snapshots_refused);
  g_test_add_func ("/hangar/ui/dialogs/running-guest", test_running_guest);
  g_test_add_func ("/hangar/ui/dialogs/window-actions", test_window_actions);
  status = g_test_run ();
  hg_test_remove_tree (trash_home);
  g_free (trash_home);
  return status;
}
