/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Temporary files and folders of interrupted work.  Whatever Hangar builds
 * before renaming it into place (a new VM's folder, an import, a config
 * being saved) is called ".<name>.tmp-XXXXXX" (a file being saved:
 * ".<name>.tmp-saving") and is flock()ed by its maker
 * for as long as it works on it.  A library scan removes every such entry
 * whose lock it can take: its maker was killed.  Nothing is ever followed
 * through a symlink, and only our own entries are touched.
 */

/* ".<name>.tmp-XXXXXX" (6 letters or digits), name not empty */
gboolean  hg_temp_name_matches     (const char *name);

/* Makes the folder <parent>/.<name>.tmp-XXXXXX (mode) and locks it.  Returns
 * the lock's fd (close it only once the folder is renamed into place or
 * removed) and the folder's path, or -1 with errno set. */
int       hg_temp_dir_new_locked   (const char  *parent,
                                    const char  *name,
                                    int          mode,
                                    char       **out_path);

/* ".<name>.tmp-saving": where a new version of the file name is written
 * before it is renamed over it */
char     *hg_temp_save_name        (const char  *name);

/* Opens (creating it, or reusing what a killed save left) the file
 * hg_temp_save_name (name) in the folder dfd, empty, for writing, locked;
 * waits while another save of the same file holds it.  Never follows a
 * symlink: one at that name is removed.  Returns the fd and the file's name
 * (in dfd), or -1 with errno set. */
int       hg_temp_file_open_locked (int          dfd,
                                    const char  *name,
                                    int          mode,
                                    char       **out_name);

/* write () until all of data is written (EINTR retried); FALSE with errno */
gboolean  hg_temp_write_all        (int          fd,
                                    const char  *data,
                                    gsize        length);

/* Removes the temporary entry name of the folder dfd (path: for messages)
 * unless a live process holds its lock; says so with g_message.  TRUE when
 * it was removed. */
gboolean  hg_temp_remove_stale     (int          dfd,
                                    const char  *path,
                                    const char  *name);

/* hg_temp_remove_stale () for the save of the file name in the folder dir
 * (hg_temp_save_name); TRUE when one was left and is gone */
gboolean  hg_temp_clean_save       (const char  *dir,
                                    const char  *name);

G_END_DECLS
