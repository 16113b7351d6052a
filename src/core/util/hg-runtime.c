/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-core"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "hg-runtime.h"

char *
hg_runtime_root (void)
{
  const char *env = g_getenv ("HANGAR_RUNTIME_DIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  env = g_getenv ("XDG_RUNTIME_DIR");
  if (env != NULL && *env != '\0')
    return g_build_filename (env, "hangar", NULL);
  return g_build_filename (g_get_user_runtime_dir (), "hangar", NULL);
}

gboolean
hg_runtime_ensure_dir (const char  *dir,
                       GError     **error)
{
  struct stat st;

  g_return_val_if_fail (dir != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create runtime directory %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (lstat (dir, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot inspect runtime directory %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   "Runtime directory %s is not a directory (a symlink?)", dir);
      return FALSE;
    }
  if (st.st_uid != getuid ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "Runtime directory %s belongs to uid %u, not to us", dir, (guint) st.st_uid);
      return FALSE;
    }
  if ((st.st_mode & 0077) != 0 && chmod (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot make runtime directory %s private: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_runtime_check_path_safe (const char  *path,
                            gboolean     allow_dir,
                            GError     **error)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    {
      int saved = errno;
      if (saved == ENOENT)
        return TRUE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot inspect %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (S_ISLNK (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("Refusing %s: it is a symbolic link"), path);
      return FALSE;
    }
  if (st.st_uid != geteuid ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("Refusing %s: it belongs to uid %u, not to us"), path, (guint) st.st_uid);
      return FALSE;
    }
  if (!allow_dir && S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                   _("Refusing %s: it is a directory"), path);
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_runtime_error_retag (GError **error,
                        GQuark   domain,
                        int      code)
{
  if (error != NULL && *error != NULL)
    {
      (*error)->domain = domain;
      (*error)->code = code;
    }
  return FALSE;
}

/* One allocation holds the struct and every string (a library of 1,000
 * VMs keeps 1,000 of these): the fields point into it and must not be
 * freed or replaced one by one. */
HgRuntimePaths *
hg_runtime_paths_new (const char *root,
                      const char *vm_id)
{
  static const char * const names[] = {
    "qmp.sock", "serial.sock", "monitor.sock", "vnc.sock", "qemu.pid",
    "qemu.log", "lock", "exit-reason", "qmp-ctl.sock", "crashed",
  };
  g_autofree char *dir = NULL;
  HgRuntimePaths *p;
  char **fields[G_N_ELEMENTS (names)];
  gsize dir_len, size;
  char *at;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (vm_id != NULL, NULL);

  dir = hg_runtime_vm_dir (root, vm_id);
  dir_len = strlen (dir);
  size = sizeof (HgRuntimePaths) + strlen (root) + 1 + dir_len + 1;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    size += dir_len + 1 + strlen (names[i]) + 1;

  p = g_malloc0 (size);
  fields[0] = &p->qmp;
  fields[1] = &p->serial;
  fields[2] = &p->monitor;
  fields[3] = &p->vnc;
  fields[4] = &p->pidfile;
  fields[5] = &p->log;
  fields[6] = &p->lock;
  fields[7] = &p->exit_reason;
  fields[8] = &p->qmp_ctl;
  fields[9] = &p->crashed;

  at = (char *) (p + 1);
  p->root = at;
  at = g_stpcpy (at, root) + 1;
  p->dir = at;
  at = g_stpcpy (at, dir) + 1;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      *fields[i] = at;
      at = g_stpcpy (at, dir);
      *at++ = G_DIR_SEPARATOR;
      at = g_stpcpy (at, names[i]) + 1;
    }
  g_assert ((gsize) (at - (char *) p) == size);
  return p;
}

HgRuntimePaths *
hg_runtime_paths_copy (const HgRuntimePaths *p)
{
  /* built again from root and id, so that no field can be forgotten */
  g_autofree char *id = g_path_get_basename (p->dir);

  return hg_runtime_paths_new (p->root, id);
}

void
hg_runtime_paths_free (HgRuntimePaths *p)
{
  g_free (p);
}

char *
hg_runtime_vm_dir (const char *root,
                   const char *vm_id)
{
  return g_build_filename (root, "vms", vm_id, NULL);
}

char *
hg_runtime_switch_dir (const char *root,
                       const char *switch_name)
{
  return g_build_filename (root, "switches", switch_name, NULL);
}
