/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The snapshot tree of a VM as data (docs/config.md, [snapshot:TAG]):
 * the metadata Hangar keeps in the VM's config beside the internal
 * snapshots its qcow2 images hold.  No I/O. */

typedef struct {
  char     *tag;          /* the snapshot's name in the images; never changes */
  char     *name;         /* shown and used by commands; the tag unless renamed */
  char     *description;  /* NULL: none */
  gint64    time;         /* when it was taken, seconds since the epoch; 0: unknown */
  char     *parent;       /* tag of the snapshot it was taken from, NULL: a root */
  gboolean  ram;          /* holds the RAM (taken while running: revert restarts it) */
  gboolean  found_in_disk;/* in the images, but Hangar has no metadata for it */
} HgSnapshot;

typedef struct {
  GPtrArray *snapshots;   /* HgSnapshot*, oldest first */
  char      *current;     /* tag of the snapshot the VM's state came from, or NULL */
  GPtrArray *notes;       /* char*: what hg_snapshot_tree_reconcile changed */
} HgSnapshotTree;

void            hg_snapshot_free            (HgSnapshot *snapshot);
void            hg_snapshot_tree_free       (HgSnapshotTree *tree);

/* The metadata of a config's key file; groups whose values are malformed
 * are skipped with a note. */
HgSnapshotTree *hg_snapshot_tree_from_keyfile (GKeyFile *keyfile);
/* Replaces every [snapshot:*] group and [snapshots] of keyfile by tree's
 * (snapshots found in the disk are not written). */
void            hg_snapshot_tree_to_keyfile (HgSnapshotTree *tree,
                                             GKeyFile       *keyfile);
/* Makes the metadata agree with the tags the images hold (in_image,
 * NULL-terminated, oldest first) and their times: a tag without metadata
 * is added as found in the disk; metadata of a snapshot no longer in the
 * images is dropped with a note, its children re-parented.  TRUE if the
 * metadata that is written changed. */
gboolean        hg_snapshot_tree_reconcile  (HgSnapshotTree     *tree,
                                             const char * const *in_image,
                                             const gint64       *times);
/* By name, else by tag; NULL if none */
HgSnapshot     *hg_snapshot_tree_find       (HgSnapshotTree *tree,
                                             const char     *name);
/* The tree as text, one snapshot a line, children indented under their
 * parent, the current state marked "<- you are here" */
char           *hg_snapshot_tree_format     (HgSnapshotTree *tree);
/* {"current": TAG|null, "snapshots": [{"name","tag","description","time",
 *  "parent","ram","found-in-disk","current","children":[…]}]} as a tree */
JsonNode       *hg_snapshot_tree_to_json    (HgSnapshotTree *tree);

/* By tag only; NULL if none */
HgSnapshot     *hg_snapshot_tree_find_tag   (HgSnapshotTree *tree,
                                             const char     *tag);
/* Removes s: its children get its parent, and so does the current state */
void            hg_snapshot_tree_remove     (HgSnapshotTree *tree,
                                             HgSnapshot     *s);
/* A description: UTF-8 without control characters, at most 4096 bytes */
gboolean        hg_snapshot_text_is_valid   (const char     *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgSnapshotTree, hg_snapshot_tree_free)

G_END_DECLS
