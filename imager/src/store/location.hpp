// Where a person says an image is, resolved to a store and a name in it:
// every command that takes an image path goes through locate(). A path is a
// file on this machine (a local or mounted disk); "http://" and "https://"
// are a web server's (http_store.hpp), "ssh://" an SSH server's (SFTP,
// sftp_store.hpp), "nfs://" an NFS export's (nfs_store.hpp), "smb://" a
// Windows or Samba share's (smb_store.hpp), "s3://" an S3 bucket's
// (s3_store.hpp). Other URLs are refused in words, instead of being read as a
// relative path.
#pragma once

#include "store/store.hpp"

#include <memory>
#include <string>

namespace imager::store {

struct Location {
    std::shared_ptr<Store> store;
    std::string name;  // the image's name in `store`
    bool local = true;  // a file on this machine: its folder can be searched, marked, mounted
};

[[nodiscard]] Result<Location> locate(const std::string& where);

}  // namespace imager::store
