// Everything the CLI writes to stdout and stderr goes through imager::printable
// (imager/text.hpp): labels, names, notes and file names from an image or a
// disk cannot put a control sequence on the terminal. Newlines, the progress
// bar's carriage returns and tabs pass; JSON output is plain ASCII (its own
// \u escapes) and passes unchanged. Installed by cli::run for its duration.
#pragma once

#include <iosfwd>
#include <memory>

namespace cli {

class SafeOutput {
public:
    SafeOutput();   // std::cout and std::cerr escape from now on...
    ~SafeOutput();  // ...until this is destroyed (what was held back is written)
    SafeOutput(const SafeOutput&) = delete;
    SafeOutput& operator=(const SafeOutput&) = delete;

private:
    struct Stream;
    std::unique_ptr<Stream> out_;
    std::unique_ptr<Stream> err_;
};

}  // namespace cli
