/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-core"
#include "config.h"

#include <errno.h>
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

HgRuntimePaths *
hg_runtime_paths_new (const char *root,
                      const char *vm_id)
{
  HgRuntimePaths *p;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (vm_id != NULL, NULL);

  p = g_new0 (HgRuntimePaths, 1);
  p->root = g_strdup (root);
  p->dir = g_build_filename (root, "vms", vm_id, NULL);
  p->qmp = g_build_filename (p->dir, "qmp.sock", NULL);
  p->serial = g_build_filename (p->dir, "serial.sock", NULL);
  p->monitor = g_build_filename (p->dir, "monitor.sock", NULL);
  p->vnc = g_build_filename (p->dir, "vnc.sock", NULL);
  p->pidfile = g_build_filename (p->dir, "qemu.pid", NULL);
  p->log = g_build_filename (p->dir, "qemu.log", NULL);
  p->lock = g_build_filename (p->dir, "lock", NULL);
  p->qmp_ctl = g_build_filename (p->dir, "qmp-ctl.sock", NULL);
  p->exit_reason = g_build_filename (p->dir, "exit-reason", NULL);
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
  if (p == NULL)
    return;
  g_free (p->root);
  g_free (p->dir);
  g_free (p->qmp);
  g_free (p->serial);
  g_free (p->monitor);
  g_free (p->vnc);
  g_free (p->pidfile);
  g_free (p->log);
  g_free (p->lock);
  g_free (p->qmp_ctl);
  g_free (p->exit_reason);
  g_free (p);
}

char *
hg_runtime_switch_dir (const char *root,
                       const char *switch_name)
{
  return g_build_filename (root, "switches", switch_name, NULL);
}
