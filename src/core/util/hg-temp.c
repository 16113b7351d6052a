/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-temp"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-temp.h"

#define SUFFIX      ".tmp-"
#define RANDOM_LEN  6
#define MAX_TRIES   100
/* temporary trees are flat (a VM folder); deeper is not ours */
#define MAX_DEPTH   16
/* the one name of a file being saved: a scan looks for it with one lstat */
#define SAVE_TAG    "saving"

gboolean
hg_temp_name_matches (const char *name)
{
  gsize len;
  const char *tail;

  if (name == NULL || name[0] != '.')
    return FALSE;
  len = strlen (name);
  /* "." + at least one character + ".tmp-" + XXXXXX */
  if (len < 1 + 1 + strlen (SUFFIX) + RANDOM_LEN)
    return FALSE;
  tail = name + len - RANDOM_LEN;
  if (strncmp (tail - strlen (SUFFIX), SUFFIX, strlen (SUFFIX)) != 0)
    return FALSE;
  for (guint i = 0; i < RANDOM_LEN; i++)
    if (!g_ascii_isalnum (tail[i]))
      return FALSE;
  return TRUE;
}

static char *
random_name (const char *name)
{
  static const char letters[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char rnd[RANDOM_LEN + 1];

  for (guint i = 0; i < RANDOM_LEN; i++)
    rnd[i] = letters[g_random_int_range (0, sizeof letters - 1)];
  rnd[RANDOM_LEN] = '\0';
  return g_strconcat (".", name, SUFFIX, rnd, NULL);
}

/* The lock is ours and fd still is dfd/name (a scan may have taken the
 * entry between its creation and our lock, and removed it). */
static gboolean
lock_and_check (int         fd,
                int         dfd,
                const char *name)
{
  struct stat a, b;

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    return FALSE;
  return fstat (fd, &a) == 0 &&
         fstatat (dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
hg_temp_dir_new_locked (const char  *parent,
                        const char  *name,
                        int          mode,
                        char       **out_path)
{
  int pfd;

  g_return_val_if_fail (parent != NULL && name != NULL && out_path != NULL, -1);

  pfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0)
    return -1;
  for (guint tries = 0; tries < MAX_TRIES; tries++)
    {
      g_autofree char *tmp = random_name (name);
      int fd;

      if (mkdirat (pfd, tmp, (mode_t) mode) != 0)
        {
          if (errno == EEXIST)
            continue;
          break;
        }
      fd = openat (pfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        continue;
      if (!lock_and_check (fd, pfd, tmp))
        {
          close (fd);   /* a scan holds it and removes it */
          continue;
        }
      *out_path = g_build_filename (parent, tmp, NULL);
      close (pfd);
      return fd;
    }
  {
    int errsv = errno != 0 ? errno : EEXIST;
    close (pfd);
    errno = errsv;
  }
  return -1;
}

char *
hg_temp_save_name (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  return g_strconcat (".", name, SUFFIX, SAVE_TAG, NULL);
}

int
hg_temp_file_open_locked (int          dfd,
                          const char  *name,
                          int          mode,
                          char       **out_name)
{
  g_autofree char *tmp = NULL;
  int errsv = EBUSY;

  g_return_val_if_fail (name != NULL && out_name != NULL, -1);

  tmp = hg_temp_save_name (name);
  for (guint tries = 0; tries < MAX_TRIES; tries++)
    {
      struct stat st;
      int fd = openat (dfd, tmp, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
                       (mode_t) mode);

      if (fd < 0 && errno == ELOOP)
        {
          /* a symlink at our name: never followed, removed */
          if (unlinkat (dfd, tmp, 0) != 0 && errno != ENOENT)
            return -1;
          continue;
        }
      if (fd < 0)
        return -1;
      if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ())
        {
          /* a FIFO, a device or someone else's file: not ours to write */
          close (fd);
          if (unlinkat (dfd, tmp, 0) != 0 && errno != ENOENT)
            return -1;
          continue;
        }
      /* another save of this file, or a scan removing what a killed one
       * left: both are short */
      while (flock (fd, LOCK_EX) != 0)
        if (errno != EINTR)
          {
            errsv = errno;
            close (fd);
            errno = errsv;
            return -1;
          }
      /* still the file at our name (not renamed into place by the save we
       * waited for, nor removed by a scan) */
      if (!lock_and_check (fd, dfd, tmp) || ftruncate (fd, 0) != 0)
        {
          close (fd);
          continue;
        }
      *out_name = g_steal_pointer (&tmp);
      return fd;
    }
  errno = errsv;
  return -1;
}

gboolean
hg_temp_write_all (int         fd,
                   const char *data,
                   gsize       length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = write (fd, data + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      done += (gsize) n;
    }
  return TRUE;
}

/* rm -r of the contents of the open folder fd (consumed), never through a
 * symlink: entries are unlinked, folders opened with O_NOFOLLOW */
static gboolean
empty_folder (int   fd,
              guint depth)
{
  DIR *d = fdopendir (fd);
  struct dirent *de;
  gboolean ok = TRUE;

  if (d == NULL)
    {
      close (fd);
      return FALSE;
    }
  while ((de = readdir (d)) != NULL)
    {
      const char *name = de->d_name;
      struct stat st;

      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;
      if (fstatat (dirfd (d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          int sub;

          if (depth >= MAX_DEPTH)
            {
              ok = FALSE;
              continue;
            }
          sub = openat (dirfd (d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0 || !empty_folder (sub, depth + 1) ||
              unlinkat (dirfd (d), name, AT_REMOVEDIR) != 0)
            ok = FALSE;
        }
      else if (unlinkat (dirfd (d), name, 0) != 0)
        ok = FALSE;
    }
  closedir (d);
  return ok;
}

gboolean
hg_temp_remove_stale (int         dfd,
                      const char *path,
                      const char *name)
{
  g_autofree char *full = NULL;
  struct stat st, now;
  gboolean is_dir;
  gboolean ok;
  int errsv;
  int fd;

  g_return_val_if_fail (path != NULL && name != NULL, FALSE);

  if (!hg_temp_name_matches (name) ||
      fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      st.st_uid != geteuid () ||
      !(S_ISDIR (st.st_mode) || S_ISREG (st.st_mode)))
    return FALSE;
  is_dir = S_ISDIR (st.st_mode);
  fd = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                          (is_dir ? O_DIRECTORY : 0));
  if (fd < 0)
    return FALSE;
  /* held: its maker is still at work */
  if (flock (fd, LOCK_EX | LOCK_NB) != 0 ||
      fstat (fd, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino)
    {
      close (fd);
      return FALSE;
    }
  full = g_build_filename (path, name, NULL);
  if (is_dir)
    {
      int walk = dup (fd);

      ok = walk >= 0 && empty_folder (walk, 0) && unlinkat (dfd, name, AT_REMOVEDIR) == 0;
    }
  else
    ok = unlinkat (dfd, name, 0) == 0;
  errsv = errno;
  close (fd);   /* the lock goes last */
  if (ok)
    g_message (_("Removed %s, left behind by an interrupted create, import or save"), full);
  else
    g_message (_("Cannot remove %s, left behind by an interrupted create, import or save: %s"),
               full, g_strerror (errsv));
  return ok;
}

gboolean
hg_temp_clean_save (const char *dir,
                    const char *name)
{
  g_autofree char *tmp = NULL;
  g_autofree char *path = NULL;
  struct stat st;
  gboolean removed;
  int dfd;

  g_return_val_if_fail (dir != NULL && name != NULL, FALSE);

  tmp = hg_temp_save_name (name);
  path = g_build_filename (dir, tmp, NULL);
  /* one lstat per VM in a scan: nearly always not there */
  if (lstat (path, &st) != 0)
    return FALSE;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
  if (dfd < 0)
    return FALSE;
  removed = hg_temp_remove_stale (dfd, dir, tmp);
  close (dfd);
  return removed;
}
