/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-disk"
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-disk-image.h"
#include "hg-disk-image-private.h"
#include "hg-spawn.h"
#include "hg-vm-config.h"

/* The check of untrusted images, at every use (create, start, media
 * change, snapshot load, import): `qemu-img info --output=json -U -f FMT`
 * one layer at a time, so that no backing file is opened before it was
 * checked.  The format of the top is the configured one, never probed (a
 * raw file that starts with a qcow2 header stays raw).  What passes is an
 * HgDiskImageInfo that command assembly hands QEMU as explicit -blockdev
 * nodes, so that QEMU opens no file Hangar did not name. */

/* Deepest backing chain looked at */
#define MAX_CHAIN 16
/* Largest qemu-img info output read */
#define MAX_INFO_BYTES (1024 * 1024)

/* Runs argv and returns its stdout; a failure carries its stderr. */
static char *
run_tool (const char * const *argv,
          GCancellable        *cancellable,
          GError             **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

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
      g_strstrip (err);
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID, "%s",
                   err != NULL && err[0] != '\0' ? err : _("qemu-img failed"));
      return NULL;
    }
  if (out != NULL && strlen (out) > MAX_INFO_BYTES)
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                   _("qemu-img printed too much"));
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* "nbd:", "http:", "json:{...}", "file:" ...: QEMU's protocol syntax
 * (a ':' before any '/'), which makes a backing "file" a connection. */
static gboolean
has_protocol (const char *name)
{
  const char *colon = strchr (name, ':');
  const char *slash = strchr (name, '/');

  if (g_str_has_prefix (name, "json:"))
    return TRUE;
  return colon != NULL && (slash == NULL || colon < slash);
}

static gboolean
path_is_inside (const char *path,
                const char *dir)
{
  gsize n = strlen (dir);

  if (g_str_equal (dir, "/"))
    return TRUE;
  return strncmp (path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static char *
real_path (const char *path)
{
  char *r = realpath (path, NULL);
  char *copy = r != NULL ? g_strdup (r) : NULL;

  free (r);
  return copy;
}

/* Where the files an image names may lie: folders (the VM's, the image's
 * own) and, for backing files only, what the user allowed by name
 * (allow-backing), all resolved; where says it in messages ("the VM's
 * folder /vms/x"). */
typedef struct {
  GPtrArray *allowed;
  GPtrArray *extra;
  char      *where;
} Allowed;

static void
allowed_init (Allowed *a)
{
  a->allowed = g_ptr_array_new_with_free_func (g_free);
  a->extra = g_ptr_array_new_with_free_func (g_free);
  a->where = NULL;
}

static void
allowed_clear (Allowed *a)
{
  g_clear_pointer (&a->allowed, g_ptr_array_unref);
  g_clear_pointer (&a->extra, g_ptr_array_unref);
  g_clear_pointer (&a->where, g_free);
}

static void
allowed_add (GPtrArray  *list,
             const char *path)
{
  char *resolved = real_path (path);

  if (resolved == NULL)
    resolved = g_canonicalize_filename (path, NULL);
  g_ptr_array_add (list, resolved);
}

static gboolean
is_inside_any (GPtrArray  *list,
               const char *resolved)
{
  for (guint i = 0; i < list->len; i++)
    if (path_is_inside (resolved, list->pdata[i]))
      return TRUE;
  return FALSE;
}

/* A file an image names (its backing file, a VMDK extent, a qcow2 data
 * file), checked: a local path, existing, a regular file, inside the
 * folders, or (backing files: by_name TRUE) one the user allowed, which
 * sets *named.  what is "backing file" ... (translated).  Returns the
 * resolved path. */
static char *
check_named_file (const char     *image,
                  const char     *what,
                  const char     *name,
                  const Allowed  *a,
                  gboolean        by_name,
                  gboolean       *named,
                  GError        **error)
{
  g_autofree char *dir = g_path_get_dirname (image);
  g_autofree char *joined = NULL;
  g_autofree char *resolved = NULL;
  GStatBuf st;

  if (named != NULL)
    *named = FALSE;
  if (has_protocol (name))
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_NETWORK,
                   _("%s: refused: its %s “%s” is not a local file but a network or protocol "
                     "address; QEMU would connect to it"), image, what, name);
      return NULL;
    }
  joined = g_path_is_absolute (name) ? g_strdup (name) : g_build_filename (dir, name, NULL);
  resolved = real_path (joined);
  if (resolved == NULL)
    {
      g_autofree char *canon = g_canonicalize_filename (joined, NULL);

      /* outside is the stronger reason: say it even when missing */
      if (!is_inside_any (a->allowed, canon) && !(by_name && is_inside_any (a->extra, canon)))
        g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE,
                     _("%s: refused: its %s “%s” is outside %s"), image, what, canon, a->where);
      else
        g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_MISSING,
                     _("%s: its %s “%s” does not exist"), image, what, canon);
      return NULL;
    }
  if (!is_inside_any (a->allowed, resolved))
    {
      if (!by_name || !is_inside_any (a->extra, resolved))
        {
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE,
                       _("%s: refused: its %s “%s” is outside %s"), image, what, resolved, a->where);
          return NULL;
        }
      if (named != NULL)
        *named = TRUE;
    }
  if (g_stat (resolved, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE,
                   _("%s: refused: its %s “%s” is not a regular file"), image, what, resolved);
      return NULL;
    }
  return g_steal_pointer (&resolved);
}

/* The files a layer names besides its backing file, from qemu-img's
 * "format-specific" data: a qcow2 external data file, VMDK extents.
 * QEMU opens them by these names, so they are checked as backing files
 * are. */
static gboolean
check_other_files (const char     *image,
                   const char     *json,
                   const Allowed  *a,
                   GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonObject *spec;
  JsonObject *data;
  JsonNode *node;

  if (!json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return TRUE;   /* hg_disk_image_info_parse reported it already */
  root = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (root, "format-specific");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  spec = json_node_get_object (node);
  node = json_object_get_member (spec, "data");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  data = json_node_get_object (node);

  node = json_object_get_member (data, "data-file");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *checked = check_named_file (image, _("external data file"),
                                                   json_node_get_string (node), a, FALSE, NULL,
                                                   error);
      if (checked == NULL)
        return FALSE;
    }
  node = json_object_get_member (data, "extents");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *extents = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (extents); i++)
        {
          JsonNode *el = json_array_get_element (extents, i);
          const char *name;
          g_autofree char *checked = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (el))
            continue;
          name = json_object_get_string_member_with_default (json_node_get_object (el), "filename", NULL);
          if (name == NULL)
            continue;
          checked = check_named_file (image, _("extent file"), name, a, FALSE, NULL, error);
          if (checked == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* The same files, read from the image itself before qemu-img opens it:
 * qemu-img info does not follow a backing file, but it does open a
 * qcow2's data file and a VMDK's extents, which could name a device or a
 * network address.  format NULL: whatever the header says. */
static gboolean
prescan_named_files (const char     *image,
                     const char     *format,
                     const Allowed  *a,
                     GError        **error)
{
  g_autofree guint8 *buf = g_malloc (MAX_INFO_BYTES + 1);
  gboolean qcow2, vmdk;
  gssize n;
  int fd;

  fd = g_open (image, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    return TRUE;   /* qemu-img says why */
  n = read (fd, buf, MAX_INFO_BYTES);
  close (fd);
  if (n < 8)
    return TRUE;
  buf[n] = '\0';
  qcow2 = memcmp (buf, "QFI\xfb", 4) == 0 && (format == NULL || g_str_equal (format, "qcow2"));
  vmdk = (memcmp (buf, "KDMV", 4) == 0 || g_str_has_prefix ((const char *) buf, "# Disk DescriptorFile")) &&
         (format == NULL || g_str_equal (format, "vmdk"));

  if (qcow2 && n >= 104)
    {
      /* header extensions: type, length, data padded to 8 bytes */
      gsize off = be32 (buf + 4) >= 3 ? be32 (buf + 100) : 72;

      while (off + 8 <= (gsize) n)
        {
          guint32 type = be32 (buf + off);
          guint32 len = be32 (buf + off + 4);

          if (type == 0 || len > (gsize) n - off - 8)
            break;
          if (type == 0x44415441)   /* "DATA": the external data file */
            {
              g_autofree char *name = g_strndup ((const char *) buf + off + 8, len);
              g_autofree char *checked = check_named_file (image, _("external data file"), name, a,
                                                          FALSE, NULL, error);

              if (checked == NULL)
                return FALSE;
            }
          off += 8 + ((len + 7) & ~7u);
        }
    }
  if (vmdk)
    {
      /* descriptor lines: RW|RDONLY|NOACCESS SECTORS TYPE "FILE" [OFFSET] */
      static const char *const access[] = { "\nRW ", "\nRDONLY ", "\nNOACCESS " };

      for (guint i = 0; i < G_N_ELEMENTS (access); i++)
        for (const char *p = strstr ((const char *) buf, access[i]); p != NULL;
             p = strstr (p + 1, access[i]))
          {
            const char *open_q = strchr (p + 1, '"');
            const char *eol = strchr (p + 1, '\n');
            const char *close_q = open_q != NULL ? strchr (open_q + 1, '"') : NULL;
            g_autofree char *name = NULL;
            g_autofree char *checked = NULL;

            if (open_q == NULL || close_q == NULL || (eol != NULL && close_q > eol))
              continue;
            name = g_strndup (open_q + 1, (gsize) (close_q - open_q - 1));
            checked = check_named_file (image, _("extent file"), name, a, FALSE, NULL, error);
            if (checked == NULL)
              return FALSE;
          }
    }
  return TRUE;
}

static HgDiskImageInfo *
info_new (void)
{
  HgDiskImageInfo *info = g_new0 (HgDiskImageInfo, 1);

  info->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_layer_free);
  return info;
}

/* The chain of path, top first.  format: the top's format (configured,
 * never probed), or NULL to probe it (an image the user picks in the
 * assistant). */
static HgDiskImageInfo *
check_chain (const char     *path,
             const char     *format,
             const Allowed  *a,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autoptr(HgDiskImageInfo) info = NULL;
  g_autofree char *qemu_img = NULL;
  g_autofree char *current = NULL;
  g_autofree char *current_format = NULL;
  gboolean probed_backing = FALSE;
  gboolean named = FALSE;    /* the current layer is allowed by name only */
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, HG_DISK_IMAGE_ERROR,
                   errsv == ENOENT ? HG_DISK_IMAGE_ERROR_NOT_FOUND : HG_DISK_IMAGE_ERROR_UNREADABLE,
                   _("%s: %s"), path, g_strerror (errsv));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE,
                   _("%s is not a regular file"), path);
      return NULL;
    }
  if (g_access (path, R_OK) != 0)
    {
      int errsv = errno;
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE,
                   _("%s: %s"), path, g_strerror (errsv));
      return NULL;
    }
  if (format != NULL && !hg_disk_format_is_known (format))
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNKNOWN_FORMAT,
                   _("%s: the image format “%s” is not one Hangar uses (%s)"), path,
                   format, "qcow2, raw, vmdk, vdi, vpc, vhdx, qed");
      return NULL;
    }
  current = real_path (path);
  if (current == NULL)
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE,
                   _("%s: cannot resolve the path"), path);
      return NULL;
    }
  info = info_new ();

  /* raw names no other file: nothing for qemu-img to find */
  if (g_strcmp0 (format, "raw") == 0)
    {
      HgDiskImageLayer *layer = g_new0 (HgDiskImageLayer, 1);

      layer->filename = g_steal_pointer (&current);
      layer->format = g_strdup ("raw");
      layer->virtual_size = (guint64) st.st_size;
      layer->actual_size = (guint64) st.st_blocks * 512;
      g_ptr_array_add (info->layers, layer);
      return g_steal_pointer (&info);
    }

  if ((qemu_img = _hg_disk_image_no_tool (error)) == NULL)
    return NULL;
  current_format = g_strdup (format);

  /* One layer at a time: qemu-img info opens an image without its
   * backing file, so nothing is followed before it was checked. */
  for (guint depth = 0; current != NULL; depth++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autoptr(HgDiskImageInfo) one = NULL;
      g_autofree char *out = NULL;
      g_autoptr(GError) local = NULL;
      HgDiskImageLayer *layer;
      g_autofree char *resolved = NULL;

      if (depth >= MAX_CHAIN)
        {
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                       _("%s: the backing chain is longer than %d images"), path, MAX_CHAIN);
          return NULL;
        }
      if (!prescan_named_files (current, current_format, a, error))
        return NULL;
      g_ptr_array_add (argv, qemu_img);
      g_ptr_array_add (argv, (char *) "info");
      g_ptr_array_add (argv, (char *) "--output=json");
      g_ptr_array_add (argv, (char *) "-U");
      if (current_format != NULL)
        {
          g_ptr_array_add (argv, (char *) "-f");
          g_ptr_array_add (argv, current_format);
        }
      g_ptr_array_add (argv, (char *) "--");
      g_ptr_array_add (argv, current);
      g_ptr_array_add (argv, NULL);
      out = run_tool ((const char * const *) argv->pdata, cancellable, &local);
      if (out == NULL)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                         _("%s: qemu-img cannot read it: %s"), current, local->message);
          return NULL;
        }
      one = hg_disk_image_info_parse (out, &local);
      if (one == NULL)
        {
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID, "%s: %s",
                       current, local->message);
          return NULL;
        }
      layer = g_ptr_array_steal_index (one->layers, 0);
      g_free (layer->filename);
      layer->filename = g_strdup (current);
      g_ptr_array_add (info->layers, layer);

      if (!hg_disk_format_is_known (layer->format))
        {
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNKNOWN_FORMAT,
                       _("%s: the image format “%s” is not one Hangar uses (%s)"), current,
                       layer->format, "qcow2, raw, vmdk, vdi, vpc, vhdx, qed");
          return NULL;
        }
      /* A raw backing file without a recorded format: guessing raw is what
       * lets a guest write a header that names any host file */
      if (probed_backing && g_str_equal (layer->format, "raw"))
        {
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNKNOWN_FORMAT,
                       _("%s: its backing file “%s” has no recorded format and Hangar does not "
                         "guess raw (record it: qemu-img rebase -u -F raw -b BACKING IMAGE)"),
                       path, current);
          return NULL;
        }
      /* What the user allowed outside the folders must be an image QEMU
       * checks the header of: raw would let the config name any host file */
      if (named && g_str_equal (layer->format, "raw"))
        {
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE,
                       _("%s: refused: its backing file “%s” lies outside %s and is raw: "
                         "allow-backing admits only image formats such as qcow2, since a raw "
                         "file could be any file of the host"), path, current, a->where);
          return NULL;
        }
      if (!check_other_files (current, out, a, error))
        return NULL;
      if (layer->backing_filename == NULL)
        break;

      resolved = check_named_file (current, _("backing file"), layer->backing_filename, a, TRUE,
                                   &named, error);
      if (resolved == NULL)
        return NULL;
      for (guint i = 0; i < info->layers->len; i++)
        if (g_str_equal (((HgDiskImageLayer *) info->layers->pdata[i])->filename, resolved))
          {
            g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                         _("%s: its backing chain loops through %s"), path, resolved);
            return NULL;
          }
      g_free (current_format);
      current_format = g_strdup (layer->backing_format);
      probed_backing = current_format == NULL;
      if (current_format != NULL && !hg_disk_format_is_known (current_format))
        {
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNKNOWN_FORMAT,
                       _("%s: the backing format “%s” is not one Hangar uses"), path,
                       current_format);
          return NULL;
        }
      g_free (current);
      current = g_steal_pointer (&resolved);
    }
  return g_steal_pointer (&info);
}

HgDiskImageInfo *
hg_disk_image_inspect (const char    *path,
                       const char    *allowed_dir,
                       GCancellable  *cancellable,
                       GError       **error)
{
  Allowed a;
  HgDiskImageInfo *info;

  g_return_val_if_fail (path != NULL, NULL);

  allowed_init (&a);
  if (allowed_dir != NULL)
    {
      g_autofree char *dir = real_path (allowed_dir);

      if (dir == NULL)
        {
          allowed_clear (&a);
          g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_NOT_FOUND,
                       _("%s: no such folder"), allowed_dir);
          return NULL;
        }
      g_ptr_array_add (a.allowed, g_steal_pointer (&dir));
    }
  else
    {
      g_autofree char *top = real_path (path);
      g_autofree char *dir = g_path_get_dirname (top != NULL ? top : path);

      allowed_add (a.allowed, dir);
    }
  a.where = g_strdup (a.allowed->pdata[0]);
  info = check_chain (path, NULL, &a, cancellable, error);
  allowed_clear (&a);
  return info;
}

HgDiskImageInfo *
hg_disk_image_check (const char          *path,
                     const char          *format,
                     const char * const  *folders,
                     const char * const  *allow_backing,
                     const char          *where,
                     GCancellable        *cancellable,
                     GError             **error)
{
  Allowed a;
  g_autofree char *top = NULL;
  g_autofree char *top_dir = NULL;
  HgDiskImageInfo *info;

  g_return_val_if_fail (path != NULL && g_path_is_absolute (path), NULL);
  g_return_val_if_fail (format != NULL, NULL);

  allowed_init (&a);
  for (guint i = 0; folders != NULL && folders[i] != NULL; i++)
    allowed_add (a.allowed, folders[i]);
  for (guint i = 0; allow_backing != NULL && allow_backing[i] != NULL; i++)
    allowed_add (a.extra, allow_backing[i]);
  /* the image's own folder: where the user keeps an image used in place */
  top = real_path (path);
  top_dir = g_path_get_dirname (top != NULL ? top : path);
  allowed_add (a.allowed, top_dir);
  a.where = g_strdup (where != NULL ? where : top_dir);
  info = check_chain (path, format, &a, cancellable, error);
  allowed_clear (&a);
  return info;
}

/* ---- a VM's images -------------------------------------------------------- */

/* One image to check, copied from the config in the caller's thread */
typedef struct {
  char  *group;     /* "disk:0" */
  char  *path;      /* absolute, or NULL: an empty drive */
  char  *format;
  GStrv  folders;
  GStrv  allow;
  char  *where;
  gboolean disk;
} Job;

typedef struct {
  GPtrArray *jobs;
} Jobs;

static void
job_free (Job *job)
{
  g_free (job->group);
  g_free (job->path);
  g_free (job->format);
  g_strfreev (job->folders);
  g_strfreev (job->allow);
  g_free (job->where);
  g_free (job);
}

void
hg_vm_images_free (HgVmImages *images)
{
  if (images == NULL)
    return;
  g_clear_pointer (&images->disks, g_ptr_array_unref);
  g_clear_pointer (&images->media, g_ptr_array_unref);
  g_clear_pointer (&images->nvram, hg_disk_image_info_free);
  g_clear_pointer (&images->overlays, g_ptr_array_unref);
  g_free (images);
}

static char *
vm_dir_of (HgVmConfig *config)
{
  if (config->dir != NULL)
    return g_strdup (config->dir);
  if (config->path != NULL)
    return g_path_get_dirname (config->path);
  return NULL;
}

static Job *
job_new (HgVmConfig         *config,
         const char         *group,
         const char         *path,
         const char         *format,
         const char * const *allow,
         gboolean            disk)
{
  g_autofree char *dir = vm_dir_of (config);
  Job *job = g_new0 (Job, 1);

  job->group = g_strdup (group);
  job->path = path != NULL && *path != '\0' ? hg_vm_config_resolve_path (config, path) : NULL;
  job->format = g_strdup (format != NULL && *format != '\0' ? format : "raw");
  job->disk = disk;
  job->folders = g_new0 (char *, 2);
  job->folders[0] = g_strdup (dir);
  job->allow = g_strdupv ((GStrv) allow);
  job->where = dir != NULL ? g_strdup_printf (_("the VM's folder %s"), dir) : NULL;
  return job;
}

static Jobs *
jobs_new (HgVmConfig *config,
          gboolean    with_media)
{
  Jobs *jobs = g_new0 (Jobs, 1);
  guint per_kind[3] = { 0, 0, 0 };

  jobs->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  for (guint i = 0; config->disks != NULL && i < config->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (config->disks, i);
      g_autofree char *group = g_strdup_printf ("disk:%u", i);

      g_ptr_array_add (jobs->jobs, job_new (config, group, disk->path, disk->format,
                                            (const char * const *) disk->allow_backing, TRUE));
    }
  for (guint i = 0; config->media != NULL && i < config->media->len; i++)
    {
      HgMedium *m = g_ptr_array_index (config->media, i);
      const char *kind = hg_medium_kind_to_string (m->kind);
      g_autofree char *group = g_strdup_printf ("%s:%u", kind != NULL ? kind : "medium",
                                                m->kind < 3 ? per_kind[m->kind]++ : i);

      g_ptr_array_add (jobs->jobs, job_new (config, group, with_media ? m->path : NULL, m->format,
                                            NULL, FALSE));
    }
  return jobs;
}

static void
jobs_free (Jobs *jobs)
{
  g_ptr_array_unref (jobs->jobs);
  g_free (jobs);
}

static HgVmImages *
jobs_run (Jobs          *jobs,
          GCancellable  *cancellable,
          GError       **error)
{
  HgVmImages *images = g_new0 (HgVmImages, 1);

  images->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_info_free);
  images->media = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_info_free);
  for (guint i = 0; i < jobs->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs->jobs, i);
      HgDiskImageInfo *info = NULL;
      GError *local = NULL;

      if (job->path != NULL)
        {
          info = hg_disk_image_check (job->path, job->format, (const char * const *) job->folders,
                                      (const char * const *) job->allow, job->where, cancellable,
                                      &local);
          if (info == NULL)
            {
              if (job->disk && g_error_matches (local, HG_DISK_IMAGE_ERROR,
                                                HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE))
                g_set_error (error, local->domain, local->code,
                             _("[%s] %s (if you trust it, allow it with the key allow-backing "
                               "in [%s])"), job->group, local->message, job->group);
              else if (job->group != NULL)
                g_propagate_prefixed_error (error, g_steal_pointer (&local), "[%s] ", job->group);
              else
                g_propagate_error (error, g_steal_pointer (&local));
              g_clear_error (&local);
              hg_vm_images_free (images);
              return NULL;
            }
        }
      g_ptr_array_add (job->disk ? images->disks : images->media, info);
    }
  return images;
}

HgVmImages *
hg_vm_images_check (HgVmConfig    *config,
                    GCancellable  *cancellable,
                    GError       **error)
{
  Jobs *jobs;
  HgVmImages *images;

  g_return_val_if_fail (config != NULL, NULL);

  jobs = jobs_new (config, TRUE);
  images = jobs_run (jobs, cancellable, error);
  jobs_free (jobs);
  return images;
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  HgVmImages *images = jobs_run (task_data, cancellable, &error);

  if (images == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, images, (GDestroyNotify) hg_vm_images_free);
}

static void
check_async (HgVmConfig          *config,
             gboolean             with_media,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (config != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_images_check_async);
  g_task_set_task_data (task, jobs_new (config, with_media), (GDestroyNotify) jobs_free);
  g_task_run_in_thread (task, check_thread);
}

void
hg_vm_images_check_async (HgVmConfig          *config,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  check_async (config, TRUE, cancellable, callback, user_data);
}

void
hg_vm_images_check_disks_async (HgVmConfig          *config,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  check_async (config, FALSE, cancellable, callback, user_data);
}

HgVmImages *
hg_vm_images_check_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hg_vm_images_check_medium_async (HgVmConfig          *config,
                                 const char          *path,
                                 const char          *format,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Jobs *jobs;

  g_return_if_fail (config != NULL);
  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_images_check_medium_async);
  jobs = g_new0 (Jobs, 1);
  jobs->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  g_ptr_array_add (jobs->jobs, job_new (config, NULL, path, format, NULL, FALSE));
  g_task_set_task_data (task, jobs, (GDestroyNotify) jobs_free);
  g_task_run_in_thread (task, check_thread);
}

HgDiskImageInfo *
hg_vm_images_check_medium_finish (GAsyncResult  *result,
                                  GError       **error)
{
  HgVmImages *images;
  HgDiskImageInfo *info;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  images = g_task_propagate_pointer (G_TASK (result), error);
  if (images == NULL)
    return NULL;
  info = g_ptr_array_steal_index (images->media, 0);
  hg_vm_images_free (images);
  return info;
}
