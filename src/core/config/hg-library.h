/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * The VM library: VMs found under base directories (ctys ENUMERATE with
 * BASE).  A VM is a directory <label>/<label>.hangar at any depth below a
 * base; the directories between the base and the VM are its folder
 * (base/lab1/web/web.hangar is VM "web" in folder "lab1").  A VM directory
 * is never descended into, hidden entries (".name", e.g. a VM being created)
 * are skipped, symlinked directories are followed once (loops are cut).
 */

#define HG_LIBRARY_ERROR (hg_library_error_quark ())

typedef enum {
  HG_LIBRARY_ERROR_NOT_FOUND,   /* no VM of that name / at that path */
  HG_LIBRARY_ERROR_AMBIGUOUS,   /* the label exists in more than one folder */
  HG_LIBRARY_ERROR_UNREADABLE,  /* a folder of the library cannot be read */
} HgLibraryError;

GQuark hg_library_error_quark (void);

/* Deepest folder nesting looked at below a base */
#define HG_LIBRARY_MAX_DEPTH 16

typedef struct {
  char       *base;    /* the base directory it was found under (as given) */
  char       *folder;  /* folder relative to base, "" directly in the base */
  char       *dir;     /* the VM directory: base/folder/label */
  char       *path;    /* the config: dir/label.hangar */
  char       *label;   /* the directory name */
  HgVmConfig *config;  /* the loaded config, or NULL ... */
  GError     *error;   /* ... and why (HG_CONFIG_ERROR_*, or
                          HG_LIBRARY_ERROR_UNREADABLE for a folder that
                          cannot be read: then dir = path = that folder) */
  char       *same_uuid_as; /* the config path of another VM of the scan with
                               the same uuid (a cp -r copy), or NULL: set on
                               both (hg_library_mark_duplicates) */
} HgLibraryEntry;

void        hg_library_entry_free       (HgLibraryEntry *entry);

/* The default base: $XDG_DATA_HOME/hangar/vms (not created). */
char      **hg_library_default_bases    (void);

/* The bases a front end without --base uses: those of the preferences
 * (GSettings io.github.hangarvm.Hangar: include-default-base,
 * base-directories) when that schema is installed, else the default. */
char      **hg_library_configured_bases (void);

/* Every VM under the bases, sorted by base, folder and label; a broken
 * config is an entry with its error and never hides the others.  A base
 * that does not exist is empty.  Returns a new array of HgLibraryEntry*
 * (never NULL; empty when cancelled). */
GPtrArray  *hg_library_scan             (const char * const *bases,
                                         GCancellable       *cancellable);

/* Sets same_uuid_as on every entry whose uuid another entry has too (both
 * of them), clearing it on the others.  hg_library_scan does it; a caller
 * that adds hg_library_scan_folder results calls it again. */
void        hg_library_mark_duplicates  (GPtrArray          *entries);

/* The config path of another VM under the bases with config's uuid (not
 * config's own directory), or NULL.  Scans the library. */
char       *hg_library_find_same_uuid   (const char * const *bases,
                                         HgVmConfig         *config);

/* The same for one subtree: the VMs under base/folder (folder "" or NULL =
 * the whole base), appended to entries (unsorted).  For a directory
 * monitor that saw base/folder change. */
void        hg_library_scan_folder      (const char         *base,
                                         const char         *folder,
                                         GPtrArray          *entries,
                                         GCancellable       *cancellable);

/* Finds one VM, named by
 *  - a path: a .hangar file or a VM directory (anything containing '/',
 *    or "." / ".."), loaded wherever it is;
 *  - a label: the VM of that name under the bases (only that config is
 *    loaded).  Failing that, ./label/label.hangar.
 * Errors: HG_LIBRARY_ERROR_NOT_FOUND naming the VM and the bases searched;
 * HG_LIBRARY_ERROR_AMBIGUOUS listing every path; HG_CONFIG_ERROR_* when the
 * config is broken (the VM was found, it cannot be loaded). */
HgVmConfig *hg_library_lookup           (const char * const *bases,
                                         const char         *name_or_dir,
                                         GError            **error);

/* The config path of a VM called label anywhere under base (in any
 * folder; a broken one counts too), or NULL.  For refusing a
 * taken name before creating a VM. */
char       *hg_library_find_label       (const char         *base,
                                         const char         *label);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgLibraryEntry, hg_library_entry_free)

G_END_DECLS
