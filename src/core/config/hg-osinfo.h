/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Guest operating systems from libosinfo and osinfo-db: detection of an
 * install ISO (osinfo_media_create_from_location + osinfo_db_identify_media)
 * and the list of known OSes for a searchable choice.  The database is
 * loaded once per process (thread-safe) on first use; all functions may be
 * called from any thread.
 */

#define HG_OSINFO_ERROR (hg_osinfo_error_quark ())

typedef enum {
  HG_OSINFO_ERROR_NO_DATABASE,  /* osinfo-db is not installed / unreadable */
  HG_OSINFO_ERROR_NOT_MEDIA,    /* the file is not an ISO 9660 medium */
  HG_OSINFO_ERROR_UNKNOWN,      /* a medium libosinfo does not know */
  HG_OSINFO_ERROR_NO_INSTALL_SCRIPT, /* express install not available (says why) */
} HgOsinfoError;

GQuark hg_osinfo_error_quark (void);

/* One OS (boxed, refcounted).  Recommendations are 0/NULL when unknown. */
typedef struct {
  /*< private >*/
  gint     ref_count;
  /*< public, read-only >*/
  char    *id;              /* libosinfo short id: "debian12" */
  char    *uri;             /* "http://debian.org/debian/12" */
  char    *name;            /* "Debian 12" */
  char    *version;         /* "12" */
  char    *vendor;          /* "Debian Project" */
  char    *family;          /* "linux", "winnt", "freebsd" ... */
  char    *distro;          /* "debian" */
  char    *arch;            /* of the detected medium (Hangar's name), or NULL */
  char    *volume_id;       /* of the detected medium, or NULL */
  gboolean live;            /* the detected medium is a live medium */
  gboolean installer;       /* the detected medium is an installer */
  guint    memory_mib;      /* recommended RAM */
  guint    min_memory_mib;  /* minimum RAM */
  guint    cpus;            /* recommended CPUs */
  guint64  disk_bytes;      /* recommended storage */
  char    *disk_bus;        /* "virtio", "ide", "sata" -> Hangar interface */
  char    *nic_model;       /* QEMU device: "virtio-net-pci", "e1000" ... */
  char    *release_date;    /* "2023-06-10" or NULL */
  char    *eol_date;        /* or NULL */
} HgOsInfo;

GType     hg_os_info_get_type   (void) G_GNUC_CONST;
#define HG_TYPE_OS_INFO (hg_os_info_get_type ())
HgOsInfo *hg_os_info_ref        (HgOsInfo *info);
void      hg_os_info_unref      (HgOsInfo *info);

/* Loads the database now (else on first use); FALSE + error without it. */
gboolean   hg_osinfo_init           (GError **error);

/* Detects the OS of an install/live ISO.  HG_OSINFO_ERROR_UNKNOWN names
 * the volume id that was not recognised. */
HgOsInfo  *hg_osinfo_detect_iso     (const char    *path,
                                     GCancellable  *cancellable,
                                     GError       **error);
void       hg_osinfo_detect_iso_async  (const char          *path,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
HgOsInfo  *hg_osinfo_detect_iso_finish (GAsyncResult  *result,
                                        GError       **error);

/* An OS by short id ("debian12") or URI, or NULL. */
HgOsInfo  *hg_osinfo_lookup         (const char *id);

/* Every OS of the database (HgOsInfo*, a new array of new refs), newest
 * first within a family/distro, sorted by name otherwise.  text: NULL or
 * words that must all occur (case-insensitively) in the name, id or
 * vendor; max_results 0 = all. */
GPtrArray *hg_osinfo_search         (const char *text,
                                     guint       max_results);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgOsInfo, hg_os_info_unref)

G_END_DECLS
