// A table of a network's tensors: one row per tensor with the part it plays in the network (input,
// output, constant weights or an intermediate activation), its data type, shape and element count. It
// displays a network that someone else owns and shares; it never changes it.
#pragma once

#include <QAbstractTableModel>
#include <memory>

#include "kiln/network.h"

namespace kiln::views {

class TensorTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { NameColumn, RoleColumn, TypeColumn, DimsColumn, ElementCountColumn, ColumnCount };

    // A network output that is also an input or a constant counts as an output: that is what a user
    // binds it as.
    enum class TensorRole { Input, Output, Constant, Activation };
    static TensorRole roleOf(const Tensor& tensor);
    static QString roleName(TensorRole role);

    explicit TensorTableModel(QObject* parent = nullptr);

    // Shows `network` (null shows nothing). The model keeps it alive while it displays it.
    void setNetwork(std::shared_ptr<const NetworkDefinition> network);
    const std::shared_ptr<const NetworkDefinition>& network() const { return m_network; }

    // The tensor shown in `row`, or null when the row is out of range.
    const Tensor* tensorAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const NetworkDefinition> m_network;
};

}  // namespace kiln::views
