/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "hg-disk-image-private.h"
#include "hg-firmware.h"
#include "hg-process.h"
#include "hg-qmp-commands.h"
#include "hg-spawn.h"
#include "hg-throwaway.h"
#include "hg-vm-config.h"
#include "hg-vm-private.h"
#include "hg-vm-snapshots.h"

/*
 * The snapshot operations on a VM (the tree itself: hg-snapshot-tree.c).
 * A running VM's snapshots go through QMP (savevm/loadvm/delvm, the HgVm
 * actions of hg-vm-actions.c); a stopped VM's through `qemu-img snapshot`
 * on each qcow2 disk (and the UEFI variables), opened as
 * json:{…,"backing":null} so that only the checked top layer is touched:
 * no base image is opened, let alone written.  The metadata is saved into
 * the config on disk and into the VM's loaded config alike.
 */

/* *slot = a copy of value */
static void
set_str (char **slot, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

/* ---- the images, offline ------------------------------------------------ */

/* A qcow2 file for qemu-img, its backing file not opened */
static char *
top_layer_spec (const char *path)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "driver");
  json_builder_add_string_value (b, "qcow2");
  json_builder_set_member_name (b, "file");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "driver");
  json_builder_add_string_value (b, "file");
  json_builder_set_member_name (b, "filename");
  json_builder_add_string_value (b, path);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "backing");
  json_builder_add_null_value (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  return g_strconcat ("json:", text, NULL);
}

/* qemu-img snapshot OPTION [TAG] on path; the output of -l */
static char *
qemu_img_snapshot (const char    *path,
                   const char    *option,
                   const char    *tag,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autofree char *qemu_img = _hg_disk_image_no_tool (error);
  g_autofree char *spec = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[7];
  guint n = 0;

  if (qemu_img == NULL)
    return NULL;
  spec = top_layer_spec (path);
  argv[n++] = qemu_img;
  argv[n++] = "snapshot";
  argv[n++] = "-q";
  argv[n++] = option;
  if (tag != NULL)
    argv[n++] = tag;
  argv[n++] = spec;
  argv[n] = NULL;
  proc = hg_spawn_work (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                        error);
  if (proc == NULL)
    return NULL;
  if (!g_subprocess_communicate_utf8 (proc, NULL, cancellable, &out, &err, error))
    {
      g_subprocess_force_exit (proc);
      return NULL;
    }
  if (!g_subprocess_get_successful (proc))
    {
      const char *msg = err != NULL ? g_strstrip (err) : "";

      /* "qemu-img: Could not open 'json:{…}': Failed to get …": the
       * spec says nothing a user wrote */
      if (g_str_has_prefix (msg, "qemu-img: "))
        msg += strlen ("qemu-img: ");
      if (g_str_has_prefix (msg, "Could not open '") && strstr (msg, "': ") != NULL)
        msg = strstr (msg, "': ") + 3;
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_FAILED, "%s: %s", path,
                   *msg != '\0' ? msg : _("qemu-img failed"));
      return NULL;
    }
  return out != NULL ? g_steal_pointer (&out) : g_strdup ("");
}

/* The snapshots of one image, HgQmpSnapshot*; NULL on error */
static GPtrArray *
image_list (const char    *path,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree char *out = qemu_img_snapshot (path, "-l", NULL, cancellable, error);
  const char *table;

  if (out == NULL)
    return NULL;
  table = out;
  if (g_str_has_prefix (table, "Snapshot list:\n"))
    table += strlen ("Snapshot list:\n");
  if (*g_strstrip ((char *) table) == '\0')
    return g_ptr_array_new_with_free_func ((GDestroyNotify) hg_qmp_snapshot_free);
  return hg_qmp_parse_info_snapshots (table, error);
}

static gint64
parse_date (const char *date)
{
  int y, mo, d, h, mi, s;
  g_autoptr(GDateTime) when = NULL;

  if (date == NULL || sscanf (date, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
    return 0;
  when = g_date_time_new_local (y, mo, d, h, mi, s);
  return when != NULL ? g_date_time_to_unix (when) : 0;
}

/* ---- the operations ----------------------------------------------------- */

typedef enum {
  OP_GET,
  OP_TAKE,
  OP_REVERT,
  OP_DELETE,
  OP_EDIT,
} OpKind;

typedef struct {
  OpKind          kind;
  char           *name;
  char           *new_name;
  char           *description;
  gboolean        running;
  HgSnapshotTree *tree;
  GPtrArray      *files;      /* offline: the top layers, checked; char* */
  gboolean        nvram;      /* offline: the last file is the UEFI variables */
  char           *vm_dir;     /* offline: the VM's folder, where they must stay */
  char           *tag;        /* the snapshot's tag in the images */
  gboolean        ram;
} Op;

static void
op_free (Op *op)
{
  g_free (op->name);
  g_free (op->new_name);
  g_free (op->description);
  g_clear_pointer (&op->tree, hg_snapshot_tree_free);
  g_clear_pointer (&op->files, g_ptr_array_unref);
  g_free (op->tag);
  g_free (op->vm_dir);
  g_free (op);
}

/* What the images hold, offline: tags on every disk, oldest first */
static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Op *op = task_data;
  g_autoptr(GPtrArray) common = NULL;
  g_autoptr(GStrvBuilder) tags = g_strv_builder_new ();
  g_autoptr(GArray) times = g_array_new (FALSE, TRUE, sizeof (gint64));
  guint disks = op->files->len - (op->nvram ? 1 : 0);
  GError *error = NULL;

  /* the UEFI variables are checked like a disk before qemu-img opens them
   * (a qcow2 could name a data file anywhere) */
  if (op->nvram)
    {
      const char *folders[] = { op->vm_dir, NULL };
      g_autoptr(HgDiskImageInfo) info = NULL;
      g_autofree char *where = g_strdup_printf (_("the VM's folder %s"), op->vm_dir);

      info = hg_disk_image_check (g_ptr_array_index (op->files, disks), "qcow2", folders, NULL,
                                  where, cancellable, &error);
      if (info == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  for (guint i = 0; i < disks; i++)
    {
      g_autoptr(GPtrArray) list = image_list (g_ptr_array_index (op->files, i), cancellable,
                                              &error);

      if (list == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      if (common == NULL)
        {
          common = g_steal_pointer (&list);
          continue;
        }
      for (guint j = 0; j < common->len;)
        {
          HgQmpSnapshot *s = g_ptr_array_index (common, j);

          if (hg_qmp_snapshot_find (list, s->tag) == NULL)
            g_ptr_array_remove_index (common, j);
          else
            j++;
        }
    }
  for (guint i = 0; common != NULL && i < common->len; i++)
    {
      HgQmpSnapshot *s = g_ptr_array_index (common, i);
      gint64 t = parse_date (s->date);

      g_strv_builder_add (tags, s->tag);
      g_array_append_val (times, t);
    }
  {
    g_auto(GStrv) strv = g_strv_builder_end (tags);

    hg_snapshot_tree_reconcile (op->tree, (const char * const *) strv,
                                (const gint64 *) times->data);
  }
  g_task_return_boolean (task, TRUE);
}

/* The change to the images, offline: all or nothing for take */
static void
change_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Op *op = task_data;
  const char *option = op->kind == OP_TAKE ? "-c" : op->kind == OP_REVERT ? "-a" : "-d";
  GError *error = NULL;

  for (guint i = 0; i < op->files->len; i++)
    {
      const char *path = g_ptr_array_index (op->files, i);
      g_autofree char *out = NULL;

      /* the UEFI variables of a snapshot taken before UEFI have none */
      if (op->kind != OP_TAKE && op->nvram && i + 1 == op->files->len)
        {
          g_autoptr(GPtrArray) list = image_list (path, cancellable, NULL);

          if (list == NULL || hg_qmp_snapshot_find (list, op->tag) == NULL)
            continue;
        }
      out = qemu_img_snapshot (path, option, op->tag, cancellable, &error);
      if (out != NULL)
        continue;
      if (op->kind == OP_TAKE)
        for (guint j = 0; j < i; j++)
          g_free (qemu_img_snapshot (g_ptr_array_index (op->files, j), "-d", op->tag, NULL, NULL));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* The metadata saved: into the file as it is on disk, and into the VM's
 * config as loaded, so that a reload sees no change */
static gboolean
save_tree (HgVm           *self,
           HgSnapshotTree *tree,
           GError        **error)
{
  HgVmConfig *config = hg_vm_get_config (self);
  g_autoptr(HgVmConfig) fresh = NULL;

  if (config->path == NULL)
    return TRUE;
  fresh = hg_vm_config_load (config->path, error);
  if (fresh == NULL)
    return FALSE;
  hg_snapshot_tree_to_keyfile (tree, hg_vm_config_get_keyfile (fresh));
  if (!hg_vm_config_save (fresh, error))
    {
      g_prefix_error (error, _("VM '%s': the snapshot metadata was not saved: "), config->label);
      return FALSE;
    }
  hg_snapshot_tree_to_keyfile (tree, hg_vm_config_get_keyfile (config));
  return TRUE;
}

static void op_images_done (GTask *task);

static void
on_changed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok;

  if (op->running)
    ok = hg_vm_action_finish (HG_VM (source), result, &error);
  else
    ok = g_task_propagate_boolean (G_TASK (result), &error);
  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  op_images_done (task);
}

/* The tree is known: check the request, then change the images */
static void
op_tree_known (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  const char *label = hg_vm_get_label (self);
  HgSnapshot *s = hg_snapshot_tree_find (op->tree, op->name);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (op->kind == OP_GET)
    {
      GError *error = NULL;

      if (op->tree->notes->len > 0 && !save_tree (self, op->tree, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      g_task_return_pointer (task, g_steal_pointer (&op->tree),
                             (GDestroyNotify) hg_snapshot_tree_free);
      return;
    }
  if (op->kind == OP_TAKE)
    {
      if (s != NULL)
        {
          g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_EXISTS,
                                   _("VM '%s' has a snapshot named '%s' already"), label, op->name);
          return;
        }
      op->tag = g_strdup (op->name);
      op->ram = op->running;
    }
  else
    {
      if (s == NULL)
        {
          g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_NOT_FOUND,
                                   _("VM '%s' has no snapshot named '%s'"), label, op->name);
          return;
        }
      op->tag = g_strdup (s->tag);
    }
  if (op->kind == OP_EDIT)
    {
      GError *error = NULL;

      if (op->new_name != NULL && g_strcmp0 (op->new_name, s->name) != 0)
        {
          HgSnapshot *other = hg_snapshot_tree_find (op->tree, op->new_name);

          if (other != NULL && other != s)
            {
              g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_EXISTS,
                                       _("VM '%s' has a snapshot named '%s' already"), label,
                                       op->new_name);
              return;
            }
          set_str (&s->name, op->new_name);
        }
      if (op->description != NULL)
        set_str (&s->description, *op->description != '\0' ? op->description : NULL);
      s->found_in_disk = FALSE;
      if (!save_tree (self, op->tree, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  if (op->kind == OP_REVERT && op->running && !s->ram && !s->found_in_disk)
    {
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED,
                               _("Snapshot '%s' of VM '%s' was taken while it was stopped and "
                                 "holds no RAM: stop the VM to revert to it"), op->name, label);
      return;
    }

  if (op->running)
    {
      if (op->kind == OP_TAKE)
        hg_vm_snapshot_save_full_async (self, op->tag, FALSE, cancellable, on_changed,
                                        g_object_ref (task));
      else if (op->kind == OP_REVERT)
        hg_vm_snapshot_load_async (self, op->tag, cancellable, on_changed, g_object_ref (task));
      else
        hg_vm_snapshot_delete_async (self, op->tag, cancellable, on_changed, g_object_ref (task));
    }
  else
    {
      g_autoptr(GTask) work = g_task_new (self, cancellable, on_changed, g_object_ref (task));

      g_task_set_task_data (work, op, NULL);
      g_task_run_in_thread (work, change_thread);
    }
}

static void
op_images_done (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  HgSnapshot *s = hg_snapshot_tree_find_tag (op->tree, op->tag);
  GError *error = NULL;

  switch (op->kind)
    {
    case OP_TAKE:
      s = g_new0 (HgSnapshot, 1);
      s->tag = g_strdup (op->tag);
      s->name = g_strdup (op->tag);
      s->description = op->description != NULL && *op->description != '\0'
                         ? g_strdup (op->description) : NULL;
      s->time = g_get_real_time () / G_USEC_PER_SEC;
      s->parent = g_strdup (op->tree->current);
      s->ram = op->ram;
      g_ptr_array_add (op->tree->snapshots, s);
      set_str (&op->tree->current, op->tag);
      break;
    case OP_REVERT:
      set_str (&op->tree->current, op->tag);
      break;
    case OP_DELETE:
      if (s != NULL)
        hg_snapshot_tree_remove (op->tree, s);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!save_tree (self, op->tree, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (op->running)
    {
      g_autoptr(GPtrArray) list = hg_vm_snapshot_list_finish (HG_VM (source), result, &error);
      g_autoptr(GStrvBuilder) tags = g_strv_builder_new ();
      g_autoptr(GArray) times = g_array_new (FALSE, TRUE, sizeof (gint64));
      g_auto(GStrv) strv = NULL;

      if (list == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      for (guint i = 0; i < list->len; i++)
        {
          HgQmpSnapshot *s = g_ptr_array_index (list, i);
          gint64 t = parse_date (s->date);

          g_strv_builder_add (tags, s->tag);
          g_array_append_val (times, t);
        }
      strv = g_strv_builder_end (tags);
      hg_snapshot_tree_reconcile (op->tree, (const char * const *) strv,
                                  (const gint64 *) times->data);
    }
  else if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  op_tree_known (task);
}

static void
on_disks_checked (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  HgVmConfig *config = hg_vm_get_config (self);
  Op *op = g_task_get_task_data (task);
  g_autoptr(HgVmImages) images = NULL;
  g_autoptr(GTask) work = NULL;
  const char *nvram_name;
  GError *error = NULL;

  images = hg_vm_images_check_finish (result, &error);
  if (images == NULL)
    {
      g_prefix_error (&error, _("VM '%s': "), config->label);
      g_task_return_error (task, error);
      return;
    }
  op->files = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < images->disks->len; i++)
    {
      HgDiskImageInfo *info = g_ptr_array_index (images->disks, i);
      HgDiskImageLayer *top = g_ptr_array_index (info->layers, 0);

      g_ptr_array_add (op->files, g_strdup (top->filename));
    }
  /* the UEFI variables are snapshotted with the disks, as savevm does */
  nvram_name = hg_firmware_nvram_name (config->firmware);
  if (nvram_name != NULL && config->dir != NULL)
    {
      g_autofree char *nvram = g_build_filename (config->dir, nvram_name, NULL);

      if (g_file_test (nvram, G_FILE_TEST_IS_REGULAR) &&
          !g_file_test (nvram, G_FILE_TEST_IS_SYMLINK))
        {
          g_ptr_array_add (op->files, g_steal_pointer (&nvram));
          op->nvram = TRUE;
          op->vm_dir = g_strdup (config->dir);
        }
    }
  work = g_task_new (self, g_task_get_cancellable (task), on_listed, g_object_ref (task));
  g_task_set_task_data (work, op, NULL);
  g_task_run_in_thread (work, list_thread);
}

static void
op_start (HgVm               *self,
          OpKind              kind,
          gpointer            source_tag,
          const char         *name,
          const char         *new_name,
          const char         *description,
          GCancellable       *cancellable,
          GAsyncReadyCallback callback,
          gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  HgVmState state = hg_vm_get_state (self);
  GError *error = NULL;
  Op *op;

  g_task_set_source_tag (task, source_tag);
  if ((kind == OP_TAKE || kind == OP_REVERT || kind == OP_DELETE) && hg_vm_has_runtime_dir (self) &&
      hg_throwaway_is_active (hg_vm_get_runtime_paths (self)))
    {
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED,
                               _("VM '%s' runs without saving changes: its disks' writes go to "
                                 "temporary overlays, so snapshots would be lost with them; "
                                 "stop it first"), hg_vm_get_label (self));
      return;
    }
  if ((name != NULL && !hg_qmp_snapshot_name_is_valid (name, &error)) ||
      (new_name != NULL && !hg_qmp_snapshot_name_is_valid (new_name, &error)) ||
      !hg_vm_check_snapshots_supported (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (description != NULL && !hg_snapshot_text_is_valid (description))
    {
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_INVALID_ARGUMENT,
                               _("The snapshot description may not hold line breaks or other "
                                 "control characters, and at most 4096 bytes"));
      return;
    }
  op = g_new0 (Op, 1);
  op->kind = kind;
  op->name = g_strdup (name);
  op->new_name = g_strdup (new_name);
  op->description = g_strdup (description);
  op->tree = hg_snapshot_tree_from_keyfile (hg_vm_config_get_keyfile (hg_vm_get_config (self)));
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);

  if (state == HG_VM_STATE_RUNNING || state == HG_VM_STATE_PAUSED)
    {
      op->running = TRUE;
      hg_vm_snapshot_list_async (self, cancellable, on_listed, g_object_ref (task));
    }
  else if (state == HG_VM_STATE_STOPPED || state == HG_VM_STATE_CRASHED)
    hg_vm_images_check_disks_async (hg_vm_get_config (self), cancellable, on_disks_checked,
                                    g_object_ref (task));
  else
    g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                             _("VM '%s' is %s: try again when it is running or stopped"),
                             hg_vm_get_label (self), hg_vm_get_state_name (self));
}

void
hg_vm_snapshots_get_async (HgVm *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  op_start (self, OP_GET, hg_vm_snapshots_get_async, NULL, NULL, NULL, cancellable, callback,
            user_data);
}

HgSnapshotTree *
hg_vm_snapshots_get_finish (HgVm *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hg_vm_snapshots_take_async (HgVm *self, const char *name, const char *description,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  op_start (self, OP_TAKE, hg_vm_snapshots_take_async, name, NULL, description, cancellable,
            callback, user_data);
}

void
hg_vm_snapshots_revert_async (HgVm *self, const char *name, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  op_start (self, OP_REVERT, hg_vm_snapshots_revert_async, name, NULL, NULL, cancellable,
            callback, user_data);
}

void
hg_vm_snapshots_delete_async (HgVm *self, const char *name, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  op_start (self, OP_DELETE, hg_vm_snapshots_delete_async, name, NULL, NULL, cancellable,
            callback, user_data);
}

void
hg_vm_snapshots_edit_async (HgVm *self, const char *name, const char *new_name,
                            const char *description, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  op_start (self, OP_EDIT, hg_vm_snapshots_edit_async, name, new_name, description, cancellable,
            callback, user_data);
}

gboolean
hg_vm_snapshots_finish (HgVm *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
